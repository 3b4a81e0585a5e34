package dev.beacon.server.cli;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.BeaconBuilder;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The options that say which product's telemetry a command looks at. The SDK is built exactly as
 * the product builds it, with this process's environment, so the answers are the product's.
 */
final class ProductOptions {
  @Option(
      names = "--product",
      required = true,
      paramLabel = "NAME",
      description = "Product name, as the product passes it to the SDK (e.g. emqx).")
  String product;

  @Option(
      names = "--state",
      paramLabel = "DIR",
      description =
          "The product's telemetry state directory (default: the SDK's,"
              + " $XDG_CONFIG_HOME/<product>/telemetry or ~/.config/<product>/telemetry).")
  Path state;

  BeaconBuilder builder() {
    BeaconBuilder b = Beacon.builder(product).registerMBean(false);
    if (state != null) {
      b.stateDirectory(state);
    }
    return b;
  }

  /** The prefix of the product's environment variables, as the SDK derives it. */
  String envPrefix() {
    return product.toUpperCase(Locale.ROOT).replace('-', '_');
  }
}
