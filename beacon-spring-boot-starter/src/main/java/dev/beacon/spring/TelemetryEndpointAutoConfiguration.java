package dev.beacon.spring;

import dev.beacon.sdk.Beacon;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code telemetry} endpoint, when Actuator is there, the endpoint is available (exposed), and
 * there is a Beacon (with {@code beacon.enabled=false} too: it says so).
 *
 * @since 0.2.0
 */
@AutoConfiguration(after = {BeaconAutoConfiguration.class, BeaconDisabledAutoConfiguration.class})
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
@ConditionalOnAvailableEndpoint(TelemetryEndpoint.class)
@ConditionalOnBean(Beacon.class)
public class TelemetryEndpointAutoConfiguration {
  @Bean
  @ConditionalOnMissingBean
  public TelemetryEndpoint telemetryEndpoint(Beacon beacon) {
    return new TelemetryEndpoint(beacon);
  }
}
