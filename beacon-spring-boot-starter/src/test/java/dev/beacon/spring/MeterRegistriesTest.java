package dev.beacon.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.micrometer.BeaconMeterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Beacon's registry joins the application's metrics beside Boot's own: the application keeps every
 * meter and reads the same values as before (its Actuator metrics and exports are unchanged), and
 * only the meters named go into the report.
 */
class MeterRegistriesTest {
  @TempDir Path tmp;

  @Test
  void beaconsRegistryJoinsTheCompositeAndNeverHidesAMeterFromTheApplication() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                MetricsAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class,
                CompositeMeterRegistryAutoConfiguration.class,
                BeaconAutoConfiguration.class,
                BeaconMetersAutoConfiguration.class))
        .withPropertyValues(
            "beacon.product=shop",
            "beacon.mode=off",
            "beacon.state-directory=" + tmp.resolve("state"),
            "beacon.meters.names=orders.*")
        .run(
            ctx -> {
              MeterRegistry app = ctx.getBean(MeterRegistry.class);
              assertThat(app).isInstanceOf(CompositeMeterRegistry.class);
              assertThat(((CompositeMeterRegistry) app).getRegistries())
                  .hasAtLeastOneElementOfType(SimpleMeterRegistry.class)
                  .hasAtLeastOneElementOfType(BeaconMeterRegistry.class);
              app.counter("cache.misses").increment();
              app.counter("orders.placed").increment(2);

              // Whichever child the composite reads, the application gets its own counts.
              assertThat(app.find("cache.misses").counter().count()).isEqualTo(1.0);
              assertThat(app.find("orders.placed").counter().count()).isEqualTo(2.0);
              BeaconMeterRegistry beacon = ctx.getBean(BeaconMeterRegistry.class);
              Map<?, ?> section = (Map<?, ?>) beacon.section().collect(false);
              assertThat(new ArrayList<Object>(section.keySet()))
                  .containsExactlyInAnyOrder("window_seconds", "orders_placed");
            });
  }
}
