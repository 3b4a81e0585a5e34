package dev.beacon.sdk;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Configures a {@link Beacon}. Every setter validates its argument at once and names it in the
 * message; {@link #build()} resolves consent and starts nothing.
 *
 * <p>Environment variables and system properties are read in one place, {@link Settings}, and
 * override what is set here as the README's table says.
 *
 * @since 0.1.0
 */
public final class BeaconBuilder {
  private static final Pattern PRODUCT = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
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

  BeaconBuilder(String product) {
    Objects.requireNonNull(product, "product");
    if (!PRODUCT.matcher(product).matches()) {
      throw new IllegalArgumentException(
          "product must be lower case letters, digits, '-' or '_', starting with a letter, at most"
              + " 64 chars: '"
              + product
              + "'");
    }
    this.product = product;
    this.envPrefix = product.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
  }

  /** The product's version, reported as {@code version}. */
  public BeaconBuilder version(String version) {
    this.version = BuilderChecks.requireText(version, "version");
    return this;
  }

  /** The product's edition (for example {@code opensource}), reported as {@code edition}. */
  public BeaconBuilder edition(String edition) {
    this.edition = BuilderChecks.requireText(edition, "edition");
    return this;
  }

  /**
   * Prefix of the environment variables ({@code <PREFIX>_TELEMETRY} and the others); defaults to
   * the product name in upper case.
   */
  public BeaconBuilder envPrefix(String envPrefix) {
    if (envPrefix == null || !envPrefix.matches("[A-Z][A-Z0-9_]*")) {
      throw new IllegalArgumentException(
          "envPrefix must be upper case letters, digits or '_': '" + envPrefix + "'");
    }
    this.envPrefix = envPrefix;
    return this;
  }

  /** Base URL of the Beacon server; reports go to {@code <endpoint>/v1/batch}. */
  public BeaconBuilder endpoint(URI endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    String scheme = endpoint.getScheme();
    if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException("endpoint must be an http or https URL: " + endpoint);
    }
    if (endpoint.getHost() == null) {
      throw new IllegalArgumentException("endpoint has no host: " + endpoint);
    }
    this.endpoint = endpoint;
    return this;
  }

  /** The product's write key, sent as the HTTP Basic user. */
  public BeaconBuilder writeKey(String writeKey) {
    this.writeKey = BuilderChecks.requireText(writeKey, "writeKey");
    return this;
  }

  /**
   * Folder for the installation id, the runtime toggle, the time of the last report and the spool.
   * Defaults to {@code $XDG_CONFIG_HOME/<product>/telemetry}, else {@code
   * ~/.config/<product>/telemetry}. Nothing is created in it while telemetry is off.
   */
  public BeaconBuilder stateDirectory(Path stateDirectory) {
    this.stateDirectory = Objects.requireNonNull(stateDirectory, "stateDirectory");
    return this;
  }

  /**
   * Appends every payload exactly as sent (JSON lines) to this file; {@code
   * <PREFIX>_TELEMETRY_LOG_FILE} overrides it.
   */
  public BeaconBuilder logFile(Path logFile) {
    this.logFile = Objects.requireNonNull(logFile, "logFile");
    return this;
  }

  /**
   * PEM file of extra CA certificates to trust, for a self-hosted server with a private CA. The
   * JDK's own CAs stay trusted.
   */
  public BeaconBuilder trustedCertificates(Path pemFile) {
    this.trustedCertificates = Objects.requireNonNull(pemFile, "trustedCertificates");
    return this;
  }

  /** The cluster's id, shared by all its nodes; read at each report. */
  public BeaconBuilder clusterId(Supplier<String> clusterId) {
    this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
    return this;
  }

  /** The ids of the cluster's nodes, reported as {@code nodes_uuid}. */
  public BeaconBuilder nodes(Supplier<? extends Collection<String>> nodeIds) {
    this.nodes = Objects.requireNonNull(nodeIds, "nodes");
    return this;
  }

  /** Names of the plugins in use, reported as {@code active_plugins}. */
  public BeaconBuilder plugins(Supplier<? extends Collection<String>> plugins) {
    this.plugins = Objects.requireNonNull(plugins, "plugins");
    return this;
  }

  /**
   * Configuration keys in use, reported as {@code config_keys}. Keys only: anything after a {@code
   * '='} is cut off, so a value can never travel by mistake.
   */
  public BeaconBuilder configKeys(Supplier<? extends Collection<String>> configKeys) {
    this.configKeys = Objects.requireNonNull(configKeys, "configKeys");
    return this;
  }

  /**
   * A product section of the report, under {@code name}: a map, a list, a number, a string or a
   * boolean. A supplier that throws or exceeds {@link #sectionTimeout} is reported under {@code
   * failed_sections} and does not stop the report.
   */
  public BeaconBuilder section(String name, Supplier<?> supplier) {
    BuilderChecks.requireSectionName(name, "section");
    Objects.requireNonNull(supplier, "supplier");
    if (sections.containsKey(name) || rates.containsKey(name)) {
      throw new IllegalArgumentException("section '" + name + "' is already registered");
    }
    sections.put(name, supplier);
    return this;
  }

  /**
   * A counter reported as a rate per second over the time really elapsed since the previous report
   * (or since start), under {@code rates.<name>}. The supplier answers the cumulative count.
   */
  public BeaconBuilder rate(String name, LongSupplier cumulativeCount) {
    BuilderChecks.requireSectionName(name, "rate");
    Objects.requireNonNull(cumulativeCount, "cumulativeCount");
    rates.put(name, cumulativeCount);
    return this;
  }

  /** The product's own configuration value for telemetry (EMQX: {@code telemetry.enable}). */
  public BeaconBuilder configuredMode(TelemetryMode mode) {
    this.configuredMode = Objects.requireNonNull(mode, "configuredMode");
    return this;
  }

  /** The mode when nothing else decides; {@code ON} unless set. */
  public BeaconBuilder defaultMode(TelemetryMode mode) {
    this.defaultMode = Objects.requireNonNull(mode, "defaultMode");
    return this;
  }

  /**
   * Called once, on the first start with telemetry on or local, with a text telling the operator
   * what is collected and how to turn it off. The product decides where to show it.
   */
  public BeaconBuilder firstRunNotice(Consumer<String> notice) {
    this.firstRunNotice = Objects.requireNonNull(notice, "firstRunNotice");
    return this;
  }

  /** Delay before the first report of a fresh installation (jittered up to +50 %); 10 s. */
  public BeaconBuilder initialDelay(Duration delay) {
    this.initialDelay = BuilderChecks.requireNonNegative(delay, "initialDelay");
    return this;
  }

  /** Time between reports (jittered by ±5 %); 7 days. */
  public BeaconBuilder reportInterval(Duration interval) {
    this.reportInterval = BuilderChecks.requirePositive(interval, "reportInterval");
    return this;
  }

  /** Longest time a tracked event waits before it is sent; 30 s. */
  public BeaconBuilder flushInterval(Duration interval) {
    this.flushInterval = BuilderChecks.requirePositive(interval, "flushInterval");
    return this;
  }

  /** Longest time one report section may take; 2 s. */
  public BeaconBuilder sectionTimeout(Duration timeout) {
    this.sectionTimeout = BuilderChecks.requirePositive(timeout, "sectionTimeout");
    return this;
  }

  /** TCP connect timeout; 3 s. */
  public BeaconBuilder connectTimeout(Duration timeout) {
    this.connectTimeout = BuilderChecks.requirePositive(timeout, "connectTimeout");
    return this;
  }

  /** Whole-request timeout; 10 s. */
  public BeaconBuilder requestTimeout(Duration timeout) {
    this.requestTimeout = BuilderChecks.requirePositive(timeout, "requestTimeout");
    return this;
  }

  /** Longest time {@link Beacon#close()} waits for delivery before spooling the rest; 800 ms. */
  public BeaconBuilder closeTimeout(Duration timeout) {
    this.closeTimeout = BuilderChecks.requireNonNegative(timeout, "closeTimeout");
    return this;
  }

  /** Events held in memory before new ones are dropped (and counted); 2048. */
  public BeaconBuilder maxQueueSize(int size) {
    if (size < 1 || size > 1_000_000) {
      throw new IllegalArgumentException("maxQueueSize must be 1..1000000: " + size);
    }
    this.maxQueueSize = size;
    return this;
  }

  /** Most events in one request; 100. */
  public BeaconBuilder maxBatchSize(int size) {
    if (size < 1 || size > dev.beacon.protocol.Limits.MAX_BATCH_MESSAGES) {
      throw new IllegalArgumentException(
          "maxBatchSize must be 1.." + dev.beacon.protocol.Limits.MAX_BATCH_MESSAGES + ": " + size);
    }
    this.maxBatchSize = size;
    return this;
  }

  /** Bytes the disk spool may hold; the oldest payloads are dropped first; 4 MiB. */
  public BeaconBuilder maxSpoolBytes(long bytes) {
    if (bytes < 64 * 1024) {
      throw new IllegalArgumentException("maxSpoolBytes must be at least 65536: " + bytes);
    }
    this.maxSpoolBytes = bytes;
    return this;
  }

  /** Whether to register the JMX MBean; true. */
  public BeaconBuilder registerMBean(boolean register) {
    this.registerMBean = register;
    return this;
  }

  /**
   * Settings for a command-line tool (werf's case): no periodic reports and no MBean, and a CLI's
   * exit waits at most 50 ms for delivery (the rest is sent, in the background, by the next run;
   * {@link #closeTimeout} sets another bound). Command events come from {@link
   * Beacon#startCommand}.
   */
  public BeaconBuilder forCommandLine() {
    this.periodicReports = false;
    this.registerMBean = false;
    this.closeTimeout = Duration.ofMillis(50);
    this.flushInterval = Duration.ofMillis(20); // send while the command runs, not at its exit
    this.detachedUploader = true;
    return this;
  }

  /**
   * Whether what a run could not deliver by its exit is handed to a detached uploader process (a
   * JVM on the SDK's classpath, started with this JVM's launcher) rather than left for the next
   * run; true with {@link #forCommandLine()}. Turn it off where the product may not start
   * processes: the next run's worker then delivers the spool, as long as it runs long enough.
   *
   * @since 0.1.0
   */
  public BeaconBuilder detachedUploader(boolean enabled) {
    this.detachedUploader = enabled;
    return this;
  }

  /** Whether to send the periodic report; true unless {@link #forCommandLine()}. */
  public BeaconBuilder periodicReports(boolean enabled) {
    this.periodicReports = enabled;
    return this;
  }

  /** A release channel (such as {@code stable} or {@code beta}) sent with command events. */
  public BeaconBuilder channel(String channel) {
    this.channel = BuilderChecks.requireText(channel, "channel");
    return this;
  }

  /** Commands never reported, such as werf's {@code version} and {@code completion}. */
  public BeaconBuilder untrackedCommands(String... commands) {
    this.untrackedCommands = Set.of(commands);
    return this;
  }

  /**
   * The folder whose git origin gives command events their {@code projectID}; the process's working
   * directory unless set.
   */
  public BeaconBuilder workingDirectory(Path dir) {
    this.workingDirectory = Objects.requireNonNull(dir, "workingDirectory");
    return this;
  }

  /** First and longest delay between delivery attempts; 1 s and 10 min. For tests. */
  BeaconBuilder retryBackoff(Duration base, Duration max) {
    this.retryBase = BuilderChecks.requirePositive(base, "retryBase");
    this.retryMax = BuilderChecks.requirePositive(max, "retryMax");
    return this;
  }

  /** Environment to read instead of the process's; for tests and embedding launchers. */
  BeaconBuilder environment(Map<String, String> environment) {
    this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
    return this;
  }

  /** System properties to read instead of the JVM's; for tests. */
  BeaconBuilder systemProperties(Properties properties) {
    this.systemProperties = Objects.requireNonNull(properties, "systemProperties");
    return this;
  }

  /**
   * Resolves the settings and consent. Starts no thread, opens no connection and creates no file.
   *
   * @throws IllegalArgumentException listing every invalid setting
   */
  public Beacon build() {
    return new Beacon(Settings.resolve(this));
  }
}
