package dev.beacon.spring;

import dev.beacon.sdk.TelemetryMode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Beacon's settings in the application's properties, mapped onto the SDK's builder. The SDK's
 * environment variables ({@code <PREFIX>_TELEMETRY}, {@code <PREFIX>_TELEMETRY_ENDPOINT}, ...) and
 * {@code DO_NOT_TRACK} still apply on top, as in every product.
 *
 * @since 0.2.0
 */
@ConfigurationProperties("beacon")
public class BeaconProperties {
  /**
   * Whether Beacon is part of the application at all. When false, no Beacon is created: nothing is
   * collected, sent or written, and the telemetry endpoint says so.
   */
  private boolean enabled = true;

  /**
   * The product's name as the Beacon server knows it (lower case letters, digits, '-', '_');
   * spring.application.name when not set.
   */
  private String product;

  /** The product's version; the build's version (META-INF/build-info.properties) when not set. */
  private String version;

  /** The product's edition, such as community or enterprise. */
  private String edition;

  /** Prefix of the environment variables; the product's name in upper case when not set. */
  private String envPrefix;

  /** Base URL of the Beacon server; reports go to <endpoint>/v1/batch. */
  private URI endpoint;

  /** The product's write key on the Beacon server. */
  private String writeKey;

  /**
   * Folder for the installation id, the runtime toggle and the spool; the SDK's default
   * (~/.config/<product>/telemetry) when not set.
   */
  private Path stateDirectory;

  /** File to which every payload is appended exactly as sent (JSON lines). */
  private Path logFile;

  /**
   * The product's own setting for telemetry: on, local (collect and log, never send) or off. The
   * operator's environment variables and the runtime toggle of the telemetry endpoint win over it.
   */
  private TelemetryMode mode;

  /** The mode when nothing else decides. */
  private TelemetryMode defaultMode = TelemetryMode.ON;

  /** Delay before the first report of a fresh installation (jittered up to +50 %). */
  private Duration initialDelay = Duration.ofSeconds(10);

  /** Time between reports (jittered by 5 %). */
  private Duration reportInterval = Duration.ofDays(7);

  /** Longest time a tracked event waits before it is sent. */
  private Duration flushInterval = Duration.ofSeconds(30);

  /** TCP connect timeout of a delivery. */
  private Duration connectTimeout = Duration.ofSeconds(3);

  /** Whole-request timeout of a delivery. */
  private Duration requestTimeout = Duration.ofSeconds(10);

  /** Longest time the context's close waits for delivery before spooling the rest. */
  private Duration closeTimeout = Duration.ofMillis(800);

  /**
   * Whether to register the SDK's JMX MBean (status, toggle, preview). When not set, as
   * spring.jmx.enabled (off by default in Spring Boot): starting the platform MBean server for it
   * alone costs a service about 0.1 s of its start.
   */
  private Boolean jmx;

  /** Whether the first start logs, once, what is collected and how to turn it off. */
  private boolean firstRunNotice = true;

  /** The application's Micrometer meters in the report. */
  private final Meters meters = new Meters();

  /** Which Micrometer meters go into the report, under the section meters. */
  public static class Meters {
    /**
     * Meter names to report, exact or with '*' (http.server.requests, cache.*). None by default: no
     * meter is sent unless it is named here.
     */
    private List<String> names = new ArrayList<>();

    /**
     * Tag names whose values may be sent (method, status). None by default: tags often carry host
     * names, paths and user ids; series that differ only by other tags are summed.
     */
    private List<String> tags = new ArrayList<>();

    public List<String> getNames() {
      return names;
    }

    public void setNames(List<String> names) {
      this.names = names;
    }

    public List<String> getTags() {
      return tags;
    }

    public void setTags(List<String> tags) {
      this.tags = tags;
    }
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getProduct() {
    return product;
  }

  public void setProduct(String product) {
    this.product = product;
  }

  public String getVersion() {
    return version;
  }

  public void setVersion(String version) {
    this.version = version;
  }

  public String getEdition() {
    return edition;
  }

  public void setEdition(String edition) {
    this.edition = edition;
  }

  public String getEnvPrefix() {
    return envPrefix;
  }

  public void setEnvPrefix(String envPrefix) {
    this.envPrefix = envPrefix;
  }

  public URI getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(URI endpoint) {
    this.endpoint = endpoint;
  }

  public String getWriteKey() {
    return writeKey;
  }

  public void setWriteKey(String writeKey) {
    this.writeKey = writeKey;
  }

  public Path getStateDirectory() {
    return stateDirectory;
  }

  public void setStateDirectory(Path stateDirectory) {
    this.stateDirectory = stateDirectory;
  }

  public Path getLogFile() {
    return logFile;
  }

  public void setLogFile(Path logFile) {
    this.logFile = logFile;
  }

  public TelemetryMode getMode() {
    return mode;
  }

  public void setMode(TelemetryMode mode) {
    this.mode = mode;
  }

  public TelemetryMode getDefaultMode() {
    return defaultMode;
  }

  public void setDefaultMode(TelemetryMode defaultMode) {
    this.defaultMode = defaultMode;
  }

  public Duration getInitialDelay() {
    return initialDelay;
  }

  public void setInitialDelay(Duration initialDelay) {
    this.initialDelay = initialDelay;
  }

  public Duration getReportInterval() {
    return reportInterval;
  }

  public void setReportInterval(Duration reportInterval) {
    this.reportInterval = reportInterval;
  }

  public Duration getFlushInterval() {
    return flushInterval;
  }

  public void setFlushInterval(Duration flushInterval) {
    this.flushInterval = flushInterval;
  }

  public Duration getConnectTimeout() {
    return connectTimeout;
  }

  public void setConnectTimeout(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  public Duration getRequestTimeout() {
    return requestTimeout;
  }

  public void setRequestTimeout(Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
  }

  public Duration getCloseTimeout() {
    return closeTimeout;
  }

  public void setCloseTimeout(Duration closeTimeout) {
    this.closeTimeout = closeTimeout;
  }

  public Boolean getJmx() {
    return jmx;
  }

  public void setJmx(Boolean jmx) {
    this.jmx = jmx;
  }

  public boolean isFirstRunNotice() {
    return firstRunNotice;
  }

  public void setFirstRunNotice(boolean firstRunNotice) {
    this.firstRunNotice = firstRunNotice;
  }

  public Meters getMeters() {
    return meters;
  }
}
