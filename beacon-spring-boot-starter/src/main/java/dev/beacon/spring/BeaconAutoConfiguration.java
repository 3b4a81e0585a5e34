package dev.beacon.spring;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.BeaconBuilder;
import java.util.Locale;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The {@link Beacon} of a Spring Boot application, built from {@link BeaconProperties} and every
 * {@link BeaconBuilderCustomizer}, started with the context and closed with it (within {@code
 * beacon.close-timeout}). A product that declares its own {@code Beacon} bean keeps it.
 *
 * @since 0.2.0
 */
@AutoConfiguration(
    afterName = {
      // The version from the build's info, when the application has it.
      "org.springframework.boot.autoconfigure.info.ProjectInfoAutoConfiguration",
    })
@ConditionalOnProperty(prefix = "beacon", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(BeaconProperties.class)
public class BeaconAutoConfiguration {
  private static final Log LOG = LogFactory.getLog(BeaconAutoConfiguration.class);

  @Bean
  @ConditionalOnMissingBean
  public Beacon beacon(
      BeaconProperties properties,
      Environment environment,
      ObjectProvider<BuildProperties> build,
      ObjectProvider<BeaconBuilderCustomizer> customizers) {
    BeaconBuilder b = Beacon.builder(product(properties, environment));
    String version = properties.getVersion();
    if (version == null) {
      BuildProperties info = build.getIfAvailable();
      version = info != null && info.getVersion() != null ? info.getVersion() : null;
    }
    if (version != null) {
      b.version(version);
    }
    if (properties.getEdition() != null) {
      b.edition(properties.getEdition());
    }
    if (properties.getEnvPrefix() != null) {
      b.envPrefix(properties.getEnvPrefix());
    }
    if (properties.getEndpoint() != null) {
      b.endpoint(properties.getEndpoint());
    }
    if (properties.getWriteKey() != null) {
      b.writeKey(properties.getWriteKey());
    }
    if (properties.getStateDirectory() != null) {
      b.stateDirectory(properties.getStateDirectory());
    }
    if (properties.getLogFile() != null) {
      b.logFile(properties.getLogFile());
    }
    if (properties.getMode() != null) {
      b.configuredMode(properties.getMode(), "beacon.mode");
    }
    b.defaultMode(properties.getDefaultMode())
        .initialDelay(properties.getInitialDelay())
        .reportInterval(properties.getReportInterval())
        .flushInterval(properties.getFlushInterval())
        .connectTimeout(properties.getConnectTimeout())
        .requestTimeout(properties.getRequestTimeout())
        .closeTimeout(properties.getCloseTimeout())
        .registerMBean(
            properties.getJmx() != null
                ? properties.getJmx()
                : environment.getProperty("spring.jmx.enabled", Boolean.class, false))
        .section("spring", SpringSection::snapshot);
    if (properties.isFirstRunNotice()) {
      b.firstRunNotice(LOG::info);
    }
    customizers.orderedStream().forEach(c -> c.customize(b));
    return b.build();
  }

  /** Starts the Beacon once the context is refreshed, whoever declared it. */
  @Bean
  @ConditionalOnMissingBean
  public BeaconLifecycle beaconLifecycle(Beacon beacon) {
    return new BeaconLifecycle(beacon);
  }

  static String product(BeaconProperties properties, Environment environment) {
    if (properties.getProduct() != null) {
      return properties.getProduct();
    }
    String name = environment.getProperty("spring.application.name");
    if (name != null) {
      String product = name.strip().toLowerCase(Locale.ROOT);
      if (product.matches("[a-z][a-z0-9_-]{0,63}")) {
        return product;
      }
    }
    throw new IllegalStateException(
        "beacon.product is not set, and spring.application.name ("
            + name
            + ") is not a product name: set beacon.product to the name the Beacon server knows"
            + " (lower case letters, digits, '-' or '_'), or beacon.enabled=false");
  }
}
