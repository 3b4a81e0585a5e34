package dev.beacon.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.ConsentStatus;
import dev.beacon.sdk.TelemetryMode;
import dev.beacon.sdk.micrometer.BeaconMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class BeaconAutoConfigurationTest {
  @TempDir Path tmp;

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                BeaconAutoConfiguration.class,
                BeaconDisabledAutoConfiguration.class,
                BeaconMetersAutoConfiguration.class,
                TelemetryEndpointAutoConfiguration.class))
        .withPropertyValues(
            "beacon.product=shop",
            "beacon.endpoint=http://127.0.0.1:9",
            "beacon.write-key=wk_shop",
            "beacon.state-directory=" + tmp.resolve("state"));
  }

  @Test
  void buildsTheBeaconFromTheApplicationsProperties() {
    runner()
        .withPropertyValues("beacon.mode=local", "beacon.version=2.1.0", "beacon.edition=pro")
        .run(
            ctx -> {
              Beacon beacon = ctx.getBean(Beacon.class);
              assertThat(beacon.control().status().mode()).isEqualTo(TelemetryMode.LOCAL);
              assertThat(beacon.control().status().reason())
                  .isEqualTo("beacon.mode=local in the product's configuration");
              String preview = beacon.control().preview();
              assertThat(preview)
                  .contains("\"version\":\"2.1.0\"", "\"edition\":\"pro\"", "\"spring\":");
              assertThat(ctx).hasSingleBean(BeaconLifecycle.class);
              assertThat(ctx).doesNotHaveBean(BeaconMeterRegistry.class);
            });
  }

  @Test
  void beaconEnabledFalseLeavesABeaconThatIsOffForGoodAndWritesNothing() {
    runner()
        .withPropertyValues("beacon.enabled=false", "beacon.meters.names=http.*")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              Beacon beacon = ctx.getBean(Beacon.class);
              assertThat(beacon.control().enable())
                  .isEqualTo(
                      new ConsentStatus(
                          TelemetryMode.OFF,
                          "beacon.enabled=false in the application's properties"));
              beacon.track("order_placed", Map.of());
              assertThat(ctx).doesNotHaveBean(BeaconMeterRegistry.class);
              assertThat(ctx).doesNotHaveBean(BeaconLifecycle.class);
            });
    assertThat(Files.exists(tmp.resolve("state"))).isFalse();
  }

  @Test
  void aProductsOwnBeaconIsKept() {
    runner()
        .withUserConfiguration(OwnBeacon.class)
        .run(
            ctx -> {
              assertThat(ctx).hasSingleBean(Beacon.class);
              assertThat(ctx.getBean(Beacon.class)).isSameAs(ctx.getBean("ownBeacon"));
            });
  }

  @Test
  void theMBeanIsRegisteredOnlyWhereTheApplicationUsesJmx() throws Exception {
    ObjectName name =
        new ObjectName("dev.beacon:type=Telemetry,product=" + ObjectName.quote("shop"));
    MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
    runner().run(ctx -> assertThat(jmx.isRegistered(name)).isFalse());
    runner()
        .withPropertyValues("spring.jmx.enabled=true")
        .run(ctx -> assertThat(jmx.isRegistered(name)).isTrue());
    runner()
        .withPropertyValues("spring.jmx.enabled=true", "beacon.jmx=false")
        .run(ctx -> assertThat(jmx.isRegistered(name)).isFalse());
    assertThat(jmx.isRegistered(name)).as("unregistered when the context closed").isFalse();
  }

  @Test
  void theProductDefaultsToTheApplicationNameAndTheVersionToTheBuildInfo() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(BeaconAutoConfiguration.class))
        .withUserConfiguration(Build.class)
        .withPropertyValues(
            "spring.application.name=Order-Service",
            "beacon.state-directory=" + tmp.resolve("state"),
            "beacon.mode=off")
        .run(
            ctx -> {
              String preview = ctx.getBean(Beacon.class).control().preview();
              assertThat(preview).contains("\"version\":\"3.4.5\"");
              assertThat(
                      BeaconAutoConfiguration.product(new BeaconProperties(), ctx.getEnvironment()))
                  .isEqualTo("order-service");
            });
  }

  @Test
  void withoutAProductNameTheContextFailsSayingWhatToSet() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(BeaconAutoConfiguration.class))
        .withPropertyValues("spring.application.name=my service!")
        .run(
            ctx ->
                assertThat(ctx)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("beacon.product is not set")
                    .hasMessageContaining("my service!"));
  }

  @Test
  void aBadSettingFailsAtStartNamingIt() {
    runner()
        .withPropertyValues("beacon.meters.names=cache.*,not a name")
        .run(ctx -> assertThat(ctx).getFailure().rootCause().hasMessageContaining("'not a name'"));
  }

  @Test
  void namedMetersGoIntoTheReportThroughTheirOwnRegistry() {
    runner()
        .withPropertyValues("beacon.meters.names=jobs.*", "beacon.meters.tags=queue")
        .run(
            ctx -> {
              BeaconMeterRegistry registry = ctx.getBean(BeaconMeterRegistry.class);
              assertThat(registry.allowedMeters()).containsExactly("jobs.*");
              assertThat(registry.allowedTags()).containsExactly("queue");
              registry.counter("jobs.done", "queue", "mail").increment();
              String preview = ctx.getBean(Beacon.class).control().preview();
              assertThat(preview).contains("\"meters\":", "\"jobs_done\":", "\"queue\":\"mail\"");
            });
  }

  @Test
  void aCustomizerAddsTheProductsOwnSections() {
    runner()
        .withBean(
            BeaconBuilderCustomizer.class,
            () -> b -> b.section("features", () -> Map.of("dark_mode", true)))
        .run(
            ctx ->
                assertThat(ctx.getBean(Beacon.class).control().preview())
                    .contains("\"features\":{\"dark_mode\":true}"));
  }

  @Test
  void theSpringSectionNamesTheBootVersionAndStartersOnly() {
    Map<String, Object> s = SpringSection.snapshot();
    assertThat(s).containsOnlyKeys("boot_version", "starters", "modules");
    assertThat(s.get("modules").toString()).contains("spring-boot-autoconfigure");
    assertThat((String) s.get("boot_version")).matches("\\d+\\.\\d+\\.\\d+.*");
    // The test classpath has spring-boot-starter-test and the starters it brings.
    assertThat(s.get("starters").toString()).contains("spring-boot-starter-test");
    assertThat(s.toString()).doesNotContain("/", "\\", ".jar");
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBeacon {
    @Bean
    Beacon ownBeacon() {
      return Beacon.builder("own").configuredMode(TelemetryMode.OFF).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Build {
    @Bean
    BuildProperties buildProperties() {
      Properties p = new Properties();
      p.setProperty("version", "3.4.5");
      return new BuildProperties(p);
    }
  }
}
