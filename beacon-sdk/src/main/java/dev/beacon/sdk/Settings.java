package dev.beacon.sdk;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The builder's values with the environment's overrides applied: the one place where environment
 * variables are mapped onto the configuration (consent variables are read by {@link
 * ConsentResolver}, from the same snapshot). Immutable once built.
 *
 * <p>The builder's setters throw on a programming error; an operator's invalid environment value
 * does not stop the product: it keeps telemetry off, with the problem as the reason.
 */
final class Settings {
  final String product;
  final String envPrefix;
  final String version;
  final String edition;
  final URI endpoint;
  final String writeKey;
  final Path stateDirectory;
  final Path logFile;
  final Path trustedCertificates;
  final Supplier<String> clusterId;
  final Supplier<? extends Collection<String>> nodes;
  final Supplier<? extends Collection<String>> plugins;
  final Supplier<? extends Collection<String>> configKeys;
  final Map<String, Supplier<?>> sections;
  final Map<String, LongSupplier> rates;
  final TelemetryMode configuredMode;
  final TelemetryMode defaultMode;
  final Consumer<String> firstRunNotice;
  final Duration initialDelay;
  final Duration reportInterval;
  final Duration flushInterval;
  final Duration sectionTimeout;
  final Duration connectTimeout;
  final Duration requestTimeout;
  final Duration closeTimeout;
  final Duration retryBase;
  final Duration retryMax;
  final int maxQueueSize;
  final int maxBatchSize;
  final long maxSpoolBytes;
  final boolean registerMBean;
  final boolean periodicReports;
  final boolean detachedUploader;
  final String channel;
  final java.util.Set<String> untrackedCommands;
  final Path workingDirectory;
  final Map<String, String> environment;
  final Properties systemProperties;

  /** Invalid operator settings (environment); any of them keeps telemetry off. */
  final List<String> problems;

  private Settings(
      BeaconBuilder b,
      URI endpoint,
      Path logFile,
      Path trustedCertificates,
      List<String> problems) {
    product = b.product;
    envPrefix = b.envPrefix;
    version = b.version;
    edition = b.edition;
    this.endpoint = endpoint;
    writeKey = b.writeKey;
    stateDirectory =
        b.stateDirectory != null
            ? b.stateDirectory
            : defaultStateDirectory(b.product, b.environment, b.systemProperties);
    this.logFile = logFile;
    this.trustedCertificates = trustedCertificates;
    clusterId = b.clusterId;
    nodes = b.nodes;
    plugins = b.plugins;
    configKeys = b.configKeys;
    sections = Map.copyOf(b.sections);
    rates = Map.copyOf(b.rates);
    configuredMode = b.configuredMode;
    defaultMode = b.defaultMode;
    firstRunNotice = b.firstRunNotice;
    initialDelay = b.initialDelay;
    reportInterval = b.reportInterval;
    flushInterval = b.flushInterval;
    sectionTimeout = b.sectionTimeout;
    connectTimeout = b.connectTimeout;
    requestTimeout = b.requestTimeout;
    closeTimeout = b.closeTimeout;
    retryBase = b.retryBase;
    retryMax = b.retryMax;
    maxQueueSize = b.maxQueueSize;
    maxBatchSize = b.maxBatchSize;
    maxSpoolBytes = b.maxSpoolBytes;
    registerMBean = b.registerMBean;
    periodicReports = b.periodicReports;
    detachedUploader = b.detachedUploader;
    channel = b.channel;
    untrackedCommands = b.untrackedCommands;
    workingDirectory =
        b.workingDirectory != null
            ? b.workingDirectory
            : Path.of(b.systemProperties.getProperty("user.dir", "."));
    environment = b.environment;
    systemProperties = b.systemProperties;
    this.problems = List.copyOf(problems);
  }

  static Settings resolve(BeaconBuilder b) {
    List<String> problems = new ArrayList<>();
    String p = b.envPrefix;

    URI endpoint = b.endpoint;
    String endpointVar = b.environment.get(p + "_TELEMETRY_ENDPOINT");
    if (endpointVar != null && !endpointVar.isBlank()) {
      try {
        endpoint = URI.create(endpointVar.strip());
        new BeaconBuilder(b.product).endpoint(endpoint); // same validation as the setter
      } catch (IllegalArgumentException e) {
        problems.add(p + "_TELEMETRY_ENDPOINT is not an http(s) URL: '" + endpointVar + "'");
      }
    }
    Path logFile = pathVar(b.environment, p + "_TELEMETRY_LOG_FILE", b.logFile, problems);
    Path ca = pathVar(b.environment, p + "_TELEMETRY_CA_FILE", b.trustedCertificates, problems);
    if (ca != null && !java.nio.file.Files.isReadable(ca)) {
      problems.add("the CA file " + ca + " is not readable");
    } else if (ca != null) {
      try {
        HttpExporter.sslContextTrusting(ca);
      } catch (IllegalArgumentException e) {
        problems.add("the CA file " + ca + " holds no usable certificate");
      }
    }
    return new Settings(b, endpoint, logFile, ca, problems);
  }

  /** The base path plus the batch path, or null when no endpoint is configured. */
  URI batchUri() {
    if (endpoint == null) {
      return null;
    }
    String base = endpoint.toString();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(base + dev.beacon.protocol.Wire.BATCH_PATH);
  }

  private static Path pathVar(
      Map<String, String> env, String name, Path fallback, List<String> problems) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Path.of(value.strip());
    } catch (RuntimeException e) {
      problems.add(name + " is not a valid path");
      return fallback;
    }
  }

  /**
   * {@code $XDG_CONFIG_HOME/<product>/telemetry}, else {@code $HOME/.config/...}, else the JVM's
   * {@code user.home}: the JVM takes {@code user.home} from the account database, not from {@code
   * $HOME}, so without this an operator's {@code HOME=...} (a CI job, a container) would not move
   * the state as it does for Go's and most other tools.
   */
  private static Path defaultStateDirectory(
      String product, Map<String, String> env, Properties sys) {
    Path base;
    String xdg = env.get("XDG_CONFIG_HOME");
    String home = env.get("HOME");
    if (xdg != null && !xdg.isBlank()) {
      base = Path.of(xdg);
    } else if (home != null && !home.isBlank()) {
      base = Path.of(home, ".config");
    } else {
      base = Path.of(sys.getProperty("user.home", "."), ".config");
    }
    return base.resolve(product).resolve("telemetry");
  }
}
