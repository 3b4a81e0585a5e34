package dev.beacon.spring;

import dev.beacon.sdk.Beacon;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * With {@code beacon.enabled=false}: a Beacon that is off for good, so the product's code that
 * holds one keeps working. It starts no thread, opens no socket and writes no file; no variable or
 * runtime toggle turns it on; its status names the property.
 *
 * @since 0.2.0
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "beacon", name = "enabled", havingValue = "false")
@EnableConfigurationProperties(BeaconProperties.class)
public class BeaconDisabledAutoConfiguration {
  static final String REASON = "beacon.enabled=false in the application's properties";

  @Bean
  @ConditionalOnMissingBean
  public Beacon beacon(BeaconProperties properties, Environment environment) {
    String product;
    try {
      product = BeaconAutoConfiguration.product(properties, environment);
    } catch (IllegalStateException unnamed) {
      product = "disabled"; // no name is needed to send nothing
    }
    return Beacon.builder(product).disabled(REASON).registerMBean(false).build();
  }
}
