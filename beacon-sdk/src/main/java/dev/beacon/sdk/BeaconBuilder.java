package dev.beacon.sdk;

import dev.beacon.protocol.Limits;
import dev.beacon.sdk.internal.config.Checks;
import dev.beacon.sdk.internal.config.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
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
 * <p>Environment variables and system properties are read in one place, when the settings are
 * resolved at {@link #build()}, and override what is set here as the README's table says.
 *
 * @since 0.1.0
 */
public final class BeaconBuilder {
  private static final Pattern PRODUCT = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
  private final Settings.Draft draft;

  BeaconBuilder(String product) {
    Objects.requireNonNull(product, "product");
    if (!PRODUCT.matcher(product).matches()) {
      throw new IllegalArgumentException(
          "product must be lower case letters, digits, '-' or '_', starting with a letter, at most"
              + " 64 chars: '"
              + product
              + "'");
    }
    this.draft = new Settings.Draft(product);
  }

  /** The product's version, reported as {@code version}. */
  public BeaconBuilder version(String version) {
    draft.version = Checks.requireText(version, "version");
    return this;
  }

  /** The product's edition (for example {@code opensource}), reported as {@code edition}. */
  public BeaconBuilder edition(String edition) {
    draft.edition = Checks.requireText(edition, "edition");
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
    draft.envPrefix = envPrefix;
    return this;
  }

  /** Base URL of the Beacon server; reports go to {@code <endpoint>/v1/batch}. */
  public BeaconBuilder endpoint(URI endpoint) {
    draft.endpoint = Checks.requireEndpoint(endpoint);
    return this;
  }

  /** The product's write key, sent as the HTTP Basic user. */
  public BeaconBuilder writeKey(String writeKey) {
    draft.writeKey = Checks.requireText(writeKey, "writeKey");
    return this;
  }

  /**
   * Folder for the installation id, the runtime toggle, the time of the last report and the spool.
   * Defaults to {@code $XDG_CONFIG_HOME/<product>/telemetry}, else {@code
   * ~/.config/<product>/telemetry}. Nothing is created in it while telemetry is off.
   */
  public BeaconBuilder stateDirectory(Path stateDirectory) {
    draft.stateDirectory = Objects.requireNonNull(stateDirectory, "stateDirectory");
    return this;
  }

  /**
   * Appends every payload exactly as sent (JSON lines) to this file; {@code
   * <PREFIX>_TELEMETRY_LOG_FILE} overrides it.
   */
  public BeaconBuilder logFile(Path logFile) {
    draft.logFile = Objects.requireNonNull(logFile, "logFile");
    return this;
  }

  /**
   * PEM file of extra CA certificates to trust, for a self-hosted server with a private CA. The
   * JDK's own CAs stay trusted.
   */
  public BeaconBuilder trustedCertificates(Path pemFile) {
    draft.trustedCertificates = Objects.requireNonNull(pemFile, "trustedCertificates");
    return this;
  }

  /** The cluster's id, shared by all its nodes; read at each report. */
  public BeaconBuilder clusterId(Supplier<String> clusterId) {
    draft.clusterId = Objects.requireNonNull(clusterId, "clusterId");
    return this;
  }

  /** The ids of the cluster's nodes, reported as {@code nodes_uuid}. */
  public BeaconBuilder nodes(Supplier<? extends Collection<String>> nodeIds) {
    draft.nodes = Objects.requireNonNull(nodeIds, "nodes");
    return this;
  }

  /** Names of the plugins in use, reported as {@code active_plugins}. */
  public BeaconBuilder plugins(Supplier<? extends Collection<String>> plugins) {
    draft.plugins = Objects.requireNonNull(plugins, "plugins");
    return this;
  }

  /**
   * Configuration keys in use, reported as {@code config_keys}. Keys only: anything after a {@code
   * '='} is cut off, so a value can never travel by mistake.
   */
  public BeaconBuilder configKeys(Supplier<? extends Collection<String>> configKeys) {
    draft.configKeys = Objects.requireNonNull(configKeys, "configKeys");
    return this;
  }

  /**
   * A product section of the report, under {@code name}: a map, a list, a number, a string or a
   * boolean. A supplier that throws or exceeds {@link #sectionTimeout} is reported under {@code
   * failed_sections} and does not stop the report.
   */
  public BeaconBuilder section(String name, Supplier<?> supplier) {
    Objects.requireNonNull(supplier, "supplier");
    return addSection(name, "section", newWindow -> supplier.get());
  }

  /**
   * A product section of the report that covers the time since the previous report (rates, a
   * maximum since then): see {@link ReportSection}. Otherwise as {@link #section(String,
   * Supplier)}.
   *
   * @since 0.2.0
   */
  public BeaconBuilder reportSection(String name, ReportSection section) {
    Objects.requireNonNull(section, "section");
    return addSection(name, "reportSection", section);
  }

  private BeaconBuilder addSection(String name, String setter, ReportSection section) {
    Checks.requireSectionName(name, setter);
    if (draft.sections.containsKey(name) || draft.rates.containsKey(name)) {
      throw new IllegalArgumentException("section '" + name + "' is already registered");
    }
    draft.sections.put(name, section);
    return this;
  }

  /**
   * A counter reported as a rate per second over the time really elapsed since the previous report
   * (or since start), under {@code rates.<name>}. The supplier answers the cumulative count.
   */
  public BeaconBuilder rate(String name, LongSupplier cumulativeCount) {
    Checks.requireSectionName(name, "rate");
    Objects.requireNonNull(cumulativeCount, "cumulativeCount");
    draft.rates.put(name, cumulativeCount);
    return this;
  }

  /** The product's own configuration value for telemetry (EMQX: {@code telemetry.enable}). */
  public BeaconBuilder configuredMode(TelemetryMode mode) {
    draft.configuredMode = Objects.requireNonNull(mode, "configuredMode");
    draft.configuredModeSetting = null;
    return this;
  }

  /**
   * The product's own configuration value for telemetry, and the name of the setting that holds it
   * (such as {@code beacon.mode} or {@code telemetry.enable}), which {@link
   * TelemetryControl#status()} names when that value decides.
   *
   * @since 0.2.0
   */
  public BeaconBuilder configuredMode(TelemetryMode mode, String setting) {
    draft.configuredMode = Objects.requireNonNull(mode, "configuredMode");
    draft.configuredModeSetting = Checks.requireText(setting, "setting");
    return this;
  }

  /**
   * Turns telemetry off in this Beacon for good: no environment variable, system property or
   * runtime toggle turns it on, and the toggle writes nothing. For a product's own master switch
   * (an air-gapped edition, Spring's {@code beacon.enabled=false}), so that code holding the Beacon
   * still works. {@link TelemetryControl#status()} gives {@code setting} as the reason.
   *
   * @param setting what turned it off, in words an operator can act on (such as {@code
   *     "beacon.enabled=false in the application's properties"})
   * @since 0.2.0
   */
  public BeaconBuilder disabled(String setting) {
    draft.disabledBy = Checks.requireText(setting, "setting");
    return this;
  }

  /** The mode when nothing else decides; {@code ON} unless set. */
  public BeaconBuilder defaultMode(TelemetryMode mode) {
    draft.defaultMode = Objects.requireNonNull(mode, "defaultMode");
    return this;
  }

  /**
   * Called once, on the first start with telemetry on or local, with a text telling the operator
   * what is collected and how to turn it off. The product decides where to show it.
   */
  public BeaconBuilder firstRunNotice(Consumer<String> notice) {
    draft.firstRunNotice = Objects.requireNonNull(notice, "firstRunNotice");
    return this;
  }

  /** Delay before the first report of a fresh installation (jittered up to +50 %); 10 s. */
  public BeaconBuilder initialDelay(Duration delay) {
    draft.initialDelay = Checks.requireNonNegative(delay, "initialDelay");
    return this;
  }

  /** Time between reports (jittered by ±5 %); 7 days. */
  public BeaconBuilder reportInterval(Duration interval) {
    draft.reportInterval = Checks.requirePositive(interval, "reportInterval");
    return this;
  }

  /** Longest time a tracked event waits before it is sent; 30 s. */
  public BeaconBuilder flushInterval(Duration interval) {
    draft.flushInterval = Checks.requirePositive(interval, "flushInterval");
    return this;
  }

  /** Longest time one report section may take; 2 s. */
  public BeaconBuilder sectionTimeout(Duration timeout) {
    draft.sectionTimeout = Checks.requirePositive(timeout, "sectionTimeout");
    return this;
  }

  /** TCP connect timeout; 3 s. */
  public BeaconBuilder connectTimeout(Duration timeout) {
    draft.connectTimeout = Checks.requirePositive(timeout, "connectTimeout");
    return this;
  }

  /** Whole-request timeout; 10 s. */
  public BeaconBuilder requestTimeout(Duration timeout) {
    draft.requestTimeout = Checks.requirePositive(timeout, "requestTimeout");
    return this;
  }

  /** Longest time {@link Beacon#close()} waits for delivery before spooling the rest; 800 ms. */
  public BeaconBuilder closeTimeout(Duration timeout) {
    draft.closeTimeout = Checks.requireNonNegative(timeout, "closeTimeout");
    return this;
  }

  /** Events held in memory before new ones are dropped (and counted); 2048. */
  public BeaconBuilder maxQueueSize(int size) {
    if (size < 1 || size > 1_000_000) {
      throw new IllegalArgumentException("maxQueueSize must be 1..1000000: " + size);
    }
    draft.maxQueueSize = size;
    return this;
  }

  /** Most events in one request (fewer when they would pass 1 MiB); 500. */
  public BeaconBuilder maxBatchSize(int size) {
    if (size < 1 || size > Limits.MAX_BATCH_MESSAGES) {
      throw new IllegalArgumentException(
          "maxBatchSize must be 1.." + Limits.MAX_BATCH_MESSAGES + ": " + size);
    }
    draft.maxBatchSize = size;
    return this;
  }

  /** Bytes the disk spool may hold; the oldest payloads are dropped first; 4 MiB. */
  public BeaconBuilder maxSpoolBytes(long bytes) {
    draft.maxSpoolBytes = Checks.requireSpoolBytes(bytes);
    return this;
  }

  /** Whether to register the JMX MBean; true. */
  public BeaconBuilder registerMBean(boolean register) {
    draft.registerMBean = register;
    return this;
  }

  /**
   * Settings for a command-line tool (werf's case): no periodic reports and no MBean, and a CLI's
   * exit waits at most 50 ms for delivery (the rest is sent, in the background, by the next run;
   * {@link #closeTimeout} sets another bound). Command events come from {@link
   * Beacon#startCommand}.
   */
  public BeaconBuilder forCommandLine() {
    draft.periodicReports = false;
    draft.registerMBean = false;
    draft.closeTimeout = Duration.ofMillis(50);
    draft.flushInterval = Duration.ofMillis(20); // send while the command runs, not at its exit
    draft.detachedUploader = true;
    draft.commandLine = true;
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
    draft.detachedUploader = enabled;
    return this;
  }

  /** Whether to send the periodic report; true unless {@link #forCommandLine()}. */
  public BeaconBuilder periodicReports(boolean enabled) {
    draft.periodicReports = enabled;
    return this;
  }

  /** A release channel (such as {@code stable} or {@code beta}) sent with command events. */
  public BeaconBuilder channel(String channel) {
    draft.channel = Checks.requireText(channel, "channel");
    return this;
  }

  /** Commands never reported, such as werf's {@code version} and {@code completion}. */
  public BeaconBuilder untrackedCommands(String... commands) {
    draft.untrackedCommands = Set.of(commands);
    return this;
  }

  /**
   * The folder whose git origin gives command events their {@code projectID}; the process's working
   * directory unless set.
   */
  public BeaconBuilder workingDirectory(Path dir) {
    draft.workingDirectory = Objects.requireNonNull(dir, "workingDirectory");
    return this;
  }

  /** First and longest delay between delivery attempts; 1 s and 10 min. For tests. */
  BeaconBuilder retryBackoff(Duration base, Duration max) {
    draft.retryBase = Checks.requirePositive(base, "retryBase");
    draft.retryMax = Checks.requirePositive(max, "retryMax");
    return this;
  }

  /** Environment to read instead of the process's; for tests and embedding launchers. */
  BeaconBuilder environment(Map<String, String> environment) {
    draft.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
    return this;
  }

  /** System properties to read instead of the JVM's; for tests. */
  BeaconBuilder systemProperties(Properties properties) {
    draft.systemProperties = Objects.requireNonNull(properties, "systemProperties");
    return this;
  }

  /**
   * Resolves the settings and consent. Starts no thread, opens no connection and creates no file.
   *
   * @throws IllegalArgumentException listing every invalid setting
   */
  public Beacon build() {
    return new Beacon(settings());
  }

  /** The settings {@link #build()} would use, without building: for the SDK's own tests. */
  Settings settings() {
    return Settings.resolve(draft);
  }
}
