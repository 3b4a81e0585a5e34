package dev.beacon.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The server's settings, validated. Built by {@link ConfigLoader}. */
public record ServerConfig(
    String host,
    int port,
    Path tlsCert,
    Path tlsKey,
    Path dataDir,
    String storageType,
    Postgres postgres,
    Limits limits,
    Writer writer,
    String adminPassword,
    Map<String, String> writeKeys,
    String emqxProduct,
    int retentionDays,
    int rollupRetentionDays,
    int quarantineMax,
    long quarantineMaxBytes,
    Duration dedupWindow,
    int dedupMaxIds,
    int minInstallationsPerBucket,
    Web web,
    Compat compat,
    Kafka kafka) {

  /**
   * Kafka in front of PostgreSQL, when one node is not enough: ingest nodes produce what they
   * accept, {@code ./beacon sink} workers store it.
   *
   * @param bootstrapServers {@code host:port,...}, or null: Kafka is not used
   * @param topic where events go (created at start if absent)
   * @param partitions the topic's partitions when it is created
   * @param replicationFactor the topic's replication when it is created
   * @param bufferBytes what an ingest node's producer may hold unacknowledged; past it, 503
   * @param sinkGroup the sinks' consumer group
   * @param sinkMaxPollRecords records a sink stores in one transaction at most
   * @param sinkReadyLag a sink is ready ({@code /readyz}) while its lag is under this many records
   * @param client settings passed to Kafka's clients as they are (TLS, SASL, ...)
   */
  public record Kafka(
      String bootstrapServers,
      String topic,
      int partitions,
      short replicationFactor,
      long bufferBytes,
      String sinkGroup,
      int sinkMaxPollRecords,
      long sinkReadyLag,
      Map<String, String> client) {
    public boolean enabled() {
      return bootstrapServers != null;
    }
  }

  /**
   * Compatibility with other clients' protocols.
   *
   * @param otlpProduct the product that OTLP requests without a write key feed, or null
   * @param otlpKeyHeader a header that carries the write key of OTLP requests (beside HTTP Basic
   *     and {@code Authorization: Bearer}), or null
   * @param browserOrigins per product, the web origins whose pages may send to the ingest endpoints
   *     (CORS); a product absent here takes no browser sender
   * @param browserKeys per product, its browser key ({@code products.<p>.browser_key}): a key a
   *     page may hold, which writes only a web UI's page views and events (beacon.js's direct mode)
   */
  public record Compat(
      String otlpProduct,
      String otlpKeyHeader,
      double otlpRequestsPerSecondPerSource,
      Map<String, List<String>> browserOrigins,
      Map<String, String> browserKeys) {}

  public record Postgres(String url, String user, String password, int poolSize) {}

  public record Limits(
      int maxRequestBytes,
      int maxEventBytes,
      int maxDepth,
      int maxStringChars,
      int maxGzipRatio,
      double requestsPerSecondPerKey,
      int burstPerKey,
      double emqxRequestsPerSecond,
      double emqxRequestsPerSecondPerSource,
      int emqxMaxReportBytes,
      long emqxMaxBytesPerDay) {}

  public record Writer(
      int maxQueuedEvents, long maxQueuedBytes, int maxGroupEvents, Duration ackTimeout) {}

  /**
   * The web layer's settings, one record to keep them together.
   *
   * @param editableSources where {@code retention.days} and {@code dashboard.min_installations},
   *     which the dashboard may also change, came from; the dashboard's own values rank below
   * @param publicProducts the products with a public transparency page ({@code products.<p>.public
   *     = true})
   * @param publicMinInstallations a public page's buckets of fewer installations are merged into
   *     "other" ({@code public.min_installations}, at least 10, or the dashboard's if higher)
   */
  public record Web(
      Connections connections,
      Metrics metrics,
      SessionLimits sessions,
      LoginLimits logins,
      Map<String, SettingSource> editableSources,
      Set<String> publicProducts,
      int publicMinInstallations) {}

  /**
   * Bounds on what clients may hold: open connections (past it, new ones wait in the accept queue),
   * requests in progress (past it, 503), and deadlines for slow or stalled clients.
   *
   * @param idleTimeout a connection without a request in progress, or still sending its request
   *     line, is closed after this
   * @param headerTimeout a request's headers must be complete this long after its request line
   * @param bodyTimeout a request's body must be read within this
   */
  public record Connections(
      int maxConnections,
      int maxConcurrentRequests,
      Duration idleTimeout,
      Duration headerTimeout,
      Duration bodyTimeout) {}

  /**
   * Whether {@code /metrics} is served, and to whom.
   *
   * @param token when set, {@code Authorization: Bearer <token>} reads {@code /metrics} (as do the
   *     admin's credentials); null: the admin's credentials only
   */
  public record Metrics(boolean enabled, String token) {}

  /**
   * A dashboard session ends {@code lifetime} after its login whatever its use, or {@code idle}
   * after its last request, whichever comes first.
   */
  public record SessionLimits(Duration lifetime, Duration idle) {}

  /**
   * Failed checks of the admin password: {@code failuresPerClient} from one client, then one more
   * per {@code clientRefill}; {@code globalFailures} from all, then one per {@code globalRefill},
   * which holds back only clients without a successful login within {@code trustSuccessFor}.
   */
  public record LoginLimits(
      int failuresPerClient,
      Duration clientRefill,
      int globalFailures,
      Duration globalRefill,
      Duration trustSuccessFor) {}

  public boolean tls() {
    return tlsCert != null;
  }
}
