package dev.beacon.spring;

import dev.beacon.sdk.micrometer.BeaconMeterRegistry;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The application's meters named in {@code beacon.meters.names}, in the report's section {@code
 * meters}. The {@link BeaconMeterRegistry} is a {@code MeterRegistry} bean, which Spring Boot adds
 * to the application's composite registry beside its own (as it does for its OTLP registry); it
 * comes after Boot's simple registry, so an application with no other registry keeps that one for
 * its own use and Beacon's allow list never hides a meter from it.
 *
 * @since 0.2.0
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple"
          + ".SimpleMetricsExportAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.export.simple"
          + ".SimpleMetricsExportAutoConfiguration",
    },
    beforeName = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
    })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnProperty(prefix = "beacon", name = "enabled", matchIfMissing = true)
@Conditional(BeaconMetersAutoConfiguration.MetersNamed.class)
public class BeaconMetersAutoConfiguration {
  @Bean
  @ConditionalOnMissingBean
  public BeaconMeterRegistry beaconMeterRegistry(
      BeaconProperties properties, ObjectProvider<Clock> clock) {
    BeaconProperties.Meters m = properties.getMeters();
    return BeaconMeterRegistry.builder()
        .meters(m.getNames().toArray(new String[0]))
        .tags(m.getTags().toArray(new String[0]))
        .clock(clock.getIfAvailable(() -> Clock.SYSTEM))
        .build();
  }

  @Bean
  public BeaconBuilderCustomizer beaconMetersSection(BeaconMeterRegistry registry) {
    return b -> b.reportSection("meters", registry.section());
  }

  /** Some meter is named in {@code beacon.meters.names}, as a list or a comma-separated string. */
  static final class MetersNamed extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata m) {
      boolean named =
          Binder.get(context.getEnvironment())
              .bind("beacon.meters.names", Bindable.listOf(String.class))
              .map(names -> !names.isEmpty())
              .orElse(false);
      return named
          ? ConditionOutcome.match("beacon.meters.names names meters")
          : ConditionOutcome.noMatch("beacon.meters.names is empty: no meter is reported");
    }
  }
}
