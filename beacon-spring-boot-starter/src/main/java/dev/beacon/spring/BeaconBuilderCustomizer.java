package dev.beacon.spring;

import dev.beacon.sdk.BeaconBuilder;

/**
 * Adds the product's own report sections, rates or settings to the Beacon the starter builds, after
 * the properties are applied:
 *
 * <pre>{@code
 * @Bean
 * BeaconBuilderCustomizer features(FeatureFlags flags) {
 *   return b -> b.section("features", flags::enabledNames);
 * }
 * }</pre>
 *
 * @since 0.2.0
 */
@FunctionalInterface
public interface BeaconBuilderCustomizer {
  void customize(BeaconBuilder builder);
}
