package dev.beacon.sdk;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The builder's values ({@link Draft}) with the environment's overrides applied: the one place
 * where environment variables are mapped onto the configuration (consent variables are read by
 * {@link ConsentResolver}, from the same snapshot). Immutable once built.
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
  final Set<String> untrackedCommands;
  final Path workingDirectory;
  final Map<String, String> environment;
  final Properties systemProperties;

  /** Invalid operator settings (environment); any of them keeps telemetry off. */
  final List<String> problems;

  private Settings(
      Draft d, URI endpoint, Path logFile, Path trustedCertificates, List<String> problems) {
    product = d.product;
    envPrefix = d.envPrefix;
    version = d.version;
    edition = d.edition;
    this.endpoint = endpoint;
    writeKey = d.writeKey;
    stateDirectory =
        d.stateDirectory != null
            ? d.stateDirectory
            : defaultStateDirectory(d.product, d.environment, d.systemProperties);
    this.logFile = logFile;
    this.trustedCertificates = trustedCertificates;
    clusterId = d.clusterId;
    nodes = d.nodes;
    plugins = d.plugins;
    configKeys = d.configKeys;
    sections = Map.copyOf(d.sections);
    rates = Map.copyOf(d.rates);
    configuredMode = d.configuredMode;
    defaultMode = d.defaultMode;
    firstRunNotice = d.firstRunNotice;
    initialDelay = d.initialDelay;
    reportInterval = d.reportInterval;
    flushInterval = d.flushInterval;
    sectionTimeout = d.sectionTimeout;
    connectTimeout = d.connectTimeout;
    requestTimeout = d.requestTimeout;
    closeTimeout = d.closeTimeout;
    retryBase = d.retryBase;
    retryMax = d.retryMax;
    maxQueueSize = d.maxQueueSize;
    maxBatchSize = d.maxBatchSize;
    maxSpoolBytes = d.maxSpoolBytes;
    registerMBean = d.registerMBean;
    periodicReports = d.periodicReports;
    detachedUploader = d.detachedUploader;
    channel = d.channel;
    untrackedCommands = Set.copyOf(d.untrackedCommands);
    workingDirectory =
        d.workingDirectory != null
            ? d.workingDirectory
            : Path.of(d.systemProperties.getProperty("user.dir", "."));
    environment = d.environment;
    systemProperties = d.systemProperties;
    this.problems = List.copyOf(problems);
  }

  /** The draft's values with the environment's overrides, and the problems found in it. */
  static Settings resolve(Draft d) {
    List<String> problems = new ArrayList<>();
    String p = d.envPrefix;

    URI endpoint = d.endpoint;
    String endpointVar = d.environment.get(p + "_TELEMETRY_ENDPOINT");
    if (endpointVar != null && !endpointVar.isBlank()) {
      try {
        endpoint = BuilderChecks.requireEndpoint(URI.create(endpointVar.strip()));
      } catch (IllegalArgumentException e) {
        problems.add(p + "_TELEMETRY_ENDPOINT is not an http(s) URL: '" + endpointVar + "'");
      }
    }
    Path logFile = pathVar(d.environment, p + "_TELEMETRY_LOG_FILE", d.logFile, problems);
    Path ca = pathVar(d.environment, p + "_TELEMETRY_CA_FILE", d.trustedCertificates, problems);
    if (ca != null && !java.nio.file.Files.isReadable(ca)) {
      problems.add("the CA file " + ca + " is not readable");
    } else if (ca != null) {
      try {
        HttpExporter.sslContextTrusting(ca);
      } catch (IllegalArgumentException e) {
        problems.add("the CA file " + ca + " holds no usable certificate");
      }
    }
    return new Settings(d, endpoint, logFile, ca, problems);
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

  /**
   * The configuration as a {@link BeaconBuilder} collects it, before the environment's overrides:
   * the builder checks each value, then sets it here; {@link #resolve} makes the settings of it.
   * Also filled by the detached uploader from its settings file. Holds the defaults.
   */
  static final class Draft {
    final String product;
    String envPrefix;
    String version = "unknown";
    String edition;
    URI endpoint;
    String writeKey;
    Path stateDirectory;
    Path logFile;
    Path trustedCertificates;
    Supplier<String> clusterId = () -> null;
    Supplier<? extends Collection<String>> nodes;
    Supplier<? extends Collection<String>> plugins;
    Supplier<? extends Collection<String>> configKeys;
    final Map<String, Supplier<?>> sections = new LinkedHashMap<>();
    final Map<String, LongSupplier> rates = new LinkedHashMap<>();
    TelemetryMode configuredMode;
    TelemetryMode defaultMode = TelemetryMode.ON;
    Consumer<String> firstRunNotice;
    Duration initialDelay = Duration.ofSeconds(10);
    Duration reportInterval = Duration.ofDays(7);
    Duration flushInterval = Duration.ofSeconds(30);
    Duration sectionTimeout = Duration.ofSeconds(2);
    Duration connectTimeout = Duration.ofSeconds(3);
    Duration requestTimeout = Duration.ofSeconds(10);
    Duration closeTimeout = Duration.ofMillis(800);
    Duration retryBase = Duration.ofSeconds(1);
    Duration retryMax = Duration.ofMinutes(10);
    int maxQueueSize = 2048;
    int maxBatchSize = 100;
    long maxSpoolBytes = 4L * 1024 * 1024;
    boolean registerMBean = true;
    boolean periodicReports = true;
    boolean detachedUploader;
    String channel;
    Set<String> untrackedCommands = Set.of();
    Path workingDirectory;
    Map<String, String> environment = System.getenv();
    Properties systemProperties = System.getProperties();

    /**
     * @param product a valid product name (the builder checks it); the environment variables'
     *     prefix defaults to it in upper case
     */
    Draft(String product) {
      this.product = product;
      this.envPrefix = product.toUpperCase(Locale.ROOT).replace('-', '_');
    }
  }
}
