package dev.beacon.sdk.internal.config;

import dev.beacon.protocol.Wire;
import dev.beacon.sdk.ReportSection;
import dev.beacon.sdk.TelemetryMode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
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
 * {@code ConsentResolver}, from the same snapshot). Immutable once built.
 *
 * <p>The builder's setters throw on a programming error; an operator's invalid environment value
 * does not stop the product: it keeps telemetry off, with the problem as the reason.
 */
public final class Settings {
  public final String product;
  public final String envPrefix;
  public final String version;
  public final String edition;
  public final URI endpoint;
  public final String writeKey;
  public final Path stateDirectory;
  public final Path logFile;
  public final Path trustedCertificates;
  public final Supplier<String> clusterId;
  public final Supplier<? extends Collection<String>> nodes;
  public final Supplier<? extends Collection<String>> plugins;
  public final Supplier<? extends Collection<String>> configKeys;
  public final Map<String, ReportSection> sections;
  public final Map<String, LongSupplier> rates;
  public final TelemetryMode configuredMode;

  /** What turned telemetry off for good ({@code BeaconBuilder.disabled}), or null. */
  public final String disabledBy;

  /** The product's name for the setting behind {@link #configuredMode}, or null. */
  public final String configuredModeSetting;

  public final TelemetryMode defaultMode;
  public final Consumer<String> firstRunNotice;
  public final Duration initialDelay;
  public final Duration reportInterval;
  public final Duration flushInterval;
  public final Duration sectionTimeout;
  public final Duration connectTimeout;
  public final Duration requestTimeout;
  public final Duration closeTimeout;
  public final Duration retryBase;
  public final Duration retryMax;
  public final int maxQueueSize;
  public final int maxBatchSize;
  public final long maxSpoolBytes;
  public final boolean registerMBean;
  public final boolean periodicReports;
  public final boolean detachedUploader;

  /** Built with {@code forCommandLine()}: nothing ever goes to the terminal, not even a warning. */
  public final boolean commandLine;

  public final String channel;
  public final Set<String> untrackedCommands;
  public final Path workingDirectory;
  public final Map<String, String> environment;
  public final Properties systemProperties;

  /** Invalid operator settings (environment); any of them keeps telemetry off. */
  public final List<String> problems;

  private Settings(
      Draft d,
      URI endpoint,
      String writeKey,
      Path logFile,
      Path trustedCertificates,
      List<String> problems) {
    product = d.product;
    envPrefix = d.envPrefix;
    version = d.version;
    edition = d.edition;
    this.endpoint = endpoint;
    this.writeKey = writeKey;
    commandLine = d.commandLine;
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
    sections = Collections.unmodifiableMap(new LinkedHashMap<>(d.sections));
    rates = Map.copyOf(d.rates);
    configuredMode = d.configuredMode;
    configuredModeSetting = d.configuredModeSetting;
    disabledBy = d.disabledBy;
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
  public static Settings resolve(Draft d) {
    List<String> problems = new ArrayList<>();
    String p = d.envPrefix;

    URI endpoint = d.endpoint;
    String endpointVar = d.environment.get(p + "_TELEMETRY_ENDPOINT");
    if (endpointVar != null && !endpointVar.isBlank()) {
      try {
        endpoint = Checks.requireEndpoint(URI.create(endpointVar.strip()));
      } catch (IllegalArgumentException e) {
        problems.add(p + "_TELEMETRY_ENDPOINT is not an http(s) URL: '" + endpointVar + "'");
      }
    }
    // An operator who routes a product to their own Beacon server needs its key there too.
    String writeKey = d.writeKey;
    String keyVar = d.environment.get(p + "_TELEMETRY_WRITE_KEY");
    if (keyVar != null && !keyVar.isBlank()) {
      String k = keyVar.strip();
      if (k.length() > 256 || !k.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        problems.add(p + "_TELEMETRY_WRITE_KEY is not a write key (printable ASCII, 256 at most)");
      } else {
        writeKey = k;
      }
    }
    Path logFile = pathVar(d.environment, p + "_TELEMETRY_LOG_FILE", d.logFile, problems);
    Path ca = pathVar(d.environment, p + "_TELEMETRY_CA_FILE", d.trustedCertificates, problems);
    if (ca != null && !Files.isReadable(ca)) {
      problems.add("the CA file " + ca + " is not readable");
    } else if (ca != null) {
      try {
        TrustedCertificates.sslContext(ca);
      } catch (IllegalArgumentException e) {
        problems.add("the CA file " + ca + " holds no usable certificate");
      }
    }
    return new Settings(d, endpoint, writeKey, logFile, ca, problems);
  }

  /** The base path plus the batch path, or null when no endpoint is configured. */
  public URI batchUri() {
    return endpointPath(Wire.BATCH_PATH);
  }

  /** The base path plus the erasure request's path, or null when no endpoint is configured. */
  public URI forgetUri() {
    return endpointPath(Wire.FORGET_PATH);
  }

  private URI endpointPath(String path) {
    if (endpoint == null) {
      return null;
    }
    String base = endpoint.toString();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(base + path);
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
   * The configuration as a {@code BeaconBuilder} collects it, before the environment's overrides:
   * the builder checks each value, then sets it here; {@link #resolve} makes the settings of it.
   * Also filled by the detached uploader from its settings file. Holds the defaults.
   */
  public static final class Draft {
    public final String product;
    public String envPrefix;
    public String version = "unknown";
    public String edition;
    public URI endpoint;
    public String writeKey;
    public Path stateDirectory;
    public Path logFile;
    public Path trustedCertificates;
    public Supplier<String> clusterId = () -> null;
    public Supplier<? extends Collection<String>> nodes;
    public Supplier<? extends Collection<String>> plugins;
    public Supplier<? extends Collection<String>> configKeys;
    public final Map<String, ReportSection> sections = new LinkedHashMap<>();
    public final Map<String, LongSupplier> rates = new LinkedHashMap<>();
    public TelemetryMode configuredMode;
    public String configuredModeSetting;
    public String disabledBy;
    public TelemetryMode defaultMode = TelemetryMode.ON;
    public Consumer<String> firstRunNotice;
    public Duration initialDelay = Duration.ofSeconds(10);
    public Duration reportInterval = Duration.ofDays(7);
    public Duration flushInterval = Duration.ofSeconds(30);
    public Duration sectionTimeout = Duration.ofSeconds(2);
    public Duration connectTimeout = Duration.ofSeconds(3);
    public Duration requestTimeout = Duration.ofSeconds(10);
    public Duration closeTimeout = Duration.ofMillis(800);
    public Duration retryBase = Duration.ofSeconds(1);
    public Duration retryMax = Duration.ofMinutes(10);
    public int maxQueueSize = 2048;
    public int maxBatchSize = 500;
    public long maxSpoolBytes = 4L * 1024 * 1024;
    public boolean registerMBean = true;
    public boolean periodicReports = true;
    public boolean detachedUploader;
    public boolean commandLine;
    public String channel;
    public Set<String> untrackedCommands = Set.of();
    public Path workingDirectory;
    public Map<String, String> environment = System.getenv();
    public Properties systemProperties = System.getProperties();

    /**
     * @param product a valid product name (the builder checks it); the environment variables'
     *     prefix defaults to it in upper case
     */
    public Draft(String product) {
      this.product = product;
      this.envPrefix = product.toUpperCase(Locale.ROOT).replace('-', '_');
    }
  }
}
