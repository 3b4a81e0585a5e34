package dev.beacon.server.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.server.Background;
import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.auth.AdminAuth;
import dev.beacon.server.auth.ProductRegistry;
import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.config.SettingSource;
import dev.beacon.server.ingest.BodyReader;
import dev.beacon.server.ingest.Committer;
import dev.beacon.server.ingest.GroupCommitWriter;
import dev.beacon.server.ingest.IngestService;
import dev.beacon.server.ingest.JsonReader;
import dev.beacon.server.kafka.KafkaWriter;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.OwnerOnly;
import dev.beacon.server.storage.StorageException;
import dev.beacon.server.storage.Stores;
import io.helidon.common.tls.Tls;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running server: storage, the group-commit writer, ingest, the query API and operations
 * endpoints on one Helidon WebServer (a virtual thread per request, so a handler simply waits for
 * its commit).
 */
public final class BeaconServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BeaconServer.class);
  private static final long MAX_PAYLOAD_BACKSTOP = 64L * 1024 * 1024;

  private final ServerConfig config;
  private final EventStore store;
  private final Committer writer;
  private final AdminAuth admin;
  private final ProductRegistry products;
  private final PrometheusMeterRegistry metrics;
  private final WebServer web;
  private final ScheduledExecutorService housekeeping;
  private final RequestDeadlines deadlines;
  private volatile boolean closed;
  private Thread backfill;

  private BeaconServer(ServerConfig config, LongSupplier nanoTime) throws IOException {
    this.config = config;
    this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OwnerOnly.directory(config.dataDir()); // also for PostgreSQL: the password hash, products.json
    this.store = Stores.open(config);
    dedupWindowGauges(store, metrics);
    // An ingest node of a scale-out produces to Kafka (the sinks store); else one writer commits.
    this.writer =
        config.kafka().enabled()
            ? new KafkaWriter(config, metrics)
            : new GroupCommitWriter(
                store,
                config.writer().maxQueuedEvents(),
                config.writer().maxQueuedBytes(),
                config.writer().maxGroupEvents(),
                metrics);
    this.admin =
        AdminAuth.create(config.adminPassword(), config.dataDir().resolve("admin-password.hash"));
    JsonReader json = new JsonReader(config.limits());
    Responses responses = new Responses(json.mapper());
    Map<String, SettingSource> sources = config.web().editableSources();
    this.products =
        new ProductRegistry(
            config.writeKeys(),
            config.dataDir().resolve("products.json"),
            config.minInstallationsPerBucket(),
            sources.get(ConfigLoader.MIN_INSTALLATIONS),
            config.retentionDays(),
            sources.get(ConfigLoader.RETENTION));
    IngestService ingest = new IngestService(config, products, store, writer, json, metrics);
    BodyReader bodies =
        new BodyReader(config.limits().maxRequestBytes(), config.limits().maxGzipRatio());

    HttpRouting.Builder routing = HttpRouting.builder();
    ServerConfig.Connections limits = config.web().connections();
    this.deadlines = new RequestDeadlines(limits.headerTimeout(), limits.bodyTimeout());
    RefusalCounts refusals = new RefusalCounts(metrics);
    Cors cors = new Cors(config.compat().browserOrigins());
    routing.register(new IngestRoutes(ingest, bodies, json, responses, deadlines, cors));
    routing.register(
        new OtlpRoutes(
            ingest, bodies, json, deadlines, refusals, cors, config.compat().otlpKeyHeader()));
    routing.register(new PostHogRoutes(ingest, bodies, json, responses, deadlines, cors));
    AdminAccess access =
        new AdminAccess(config, admin, products, json, responses, deadlines, nanoTime);
    routing.register(access::routing);
    routing.register(
        new AdminRoutes(products, store, ingest, access, json, responses, deadlines, refusals));
    routing.register(new QueryRoutes(products, store, access, responses));
    routing.register(
        new DataRoutes(
            products,
            store,
            writer,
            ingest,
            access,
            json,
            responses,
            deadlines,
            bodies,
            config.dataDir(),
            !"postgres".equals(config.storageType())));
    routing.get("/healthz", (req, res) -> responses.json(res, 200, Map.of("status", "ok")));
    routing.get(
        "/readyz",
        (req, res) -> {
          // Both: a live writer in front of an unwritable store, or the reverse, stores nothing.
          String problem =
              writer.problem() != null
                  ? writer.problem()
                  : !store.writable() ? "storage unavailable" : null;
          responses.json(
              res,
              problem == null ? 200 : 503,
              Map.of("status", problem == null ? "ready" : problem));
        });
    MetricsRoute.register(routing, config.web().metrics(), metrics, access);
    routing.register(new DashboardRoutes());
    routing.register(
        new PublicPage(
            products,
            store,
            config.web().publicProducts(),
            config.web().publicMinInstallations(),
            responses));
    // Last: what no route above took. Counted, and answered in JSON like every refusal.
    routing.any(
        (req, res) -> {
          throw new Refusal(
              Kind.NOT_FOUND,
              RefusalCounts.UNKNOWN_PATH_CODE,
              "no endpoint here for "
                  + req.prologue().method().text()
                  + "; see the README's Endpoints for what this server serves");
        });
    routing.error(
        Refusal.class,
        (req, res, e) -> {
          refusals.count(RefusalCounts.reason(e.kind(), e.code()), e.code());
          responses.error(
              res, e, !req.headers().contains(HeaderNames.create("X-Beacon-Dashboard")));
        });
    routing.error(
        Exception.class,
        (req, res, e) -> {
          // Never the body, never the client's address, never a message that may quote telemetry:
          // the route and the classes of what failed (the path is one of the server's own routes,
          // or refused by routing before this).
          LOG.warn(
              "request to {} failed: {}",
              req.path().path().replaceAll("[^\\x21-\\x7e]", "?"),
              StorageException.describe(e));
          responses.json(
              res, 500, Responses.error("internal", "internal error; see the server log"));
        });

    WebServerConfig.Builder b =
        WebServer.builder()
            .host(config.host())
            .port(config.port())
            .shutdownHook(false)
            // Only a backstop: BodyReader enforces max_request_bytes and answers 413 itself,
            // after which Helidon drains the rest of the body so the client reads the answer.
            // Over this cap Helidon closes at once, and a client still sending often gets a
            // connection reset instead of the 413 (and would retry the same body forever).
            .maxPayloadSize(Math.max(MAX_PAYLOAD_BACKSTOP, config.limits().maxRequestBytes() * 4L))
            // Unlimited by default in Helidon: a client could hold every socket and thread.
            .maxTcpConnections(limits.maxConnections())
            .maxConcurrentRequests(limits.maxConcurrentRequests())
            .idleConnectionTimeout(limits.idleTimeout())
            .idleConnectionPeriod(idleCheckPeriod(limits.idleTimeout()))
            .addProtocol(
                Http1Config.builder()
                    .addReceiveListener(deadlines.receiving())
                    .addSendListener(deadlines.sending())
                    .build())
            .contentEncoding(new RawContentEncoding())
            .directHandlers(
                directHandlers(json.mapper(), config.limits().maxRequestBytes(), refusals))
            .routing(routing);
    if (config.tls()) {
      b.tls(Tls.builder().sslContext(PemTls.context(config.tlsCert(), config.tlsKey())).build());
    }
    this.web = b.build();
    this.housekeeping = Background.scheduler("beacon-retention");
  }

  /**
   * Helidon looks for idle connections every 2 minutes by default, which would stretch a 30 s
   * timeout to two and a half minutes; a quarter of the timeout keeps it within 25 %.
   */
  private static Duration idleCheckPeriod(Duration idleTimeout) {
    long millis = Math.clamp(idleTimeout.toMillis() / 4, 50, 10_000);
    return Duration.ofMillis(millis);
  }

  /** What Helidon answers itself (before routing) is JSON too. */
  private static DirectHandlers directHandlers(
      ObjectMapper mapper, int maxRequestBytes, RefusalCounts refusals) {
    JsonDirectHandler handler = new JsonDirectHandler(mapper, maxRequestBytes, refusals);
    DirectHandlers.Builder b = DirectHandlers.builder();
    for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
      b.addHandler(type, handler);
    }
    return b.build();
  }

  /**
   * Opens the store and starts serving.
   *
   * @throws IOException when the server cannot listen on its host and port (Helidon only logs that
   *     and returns), or cannot create its files
   */
  public static BeaconServer start(ServerConfig config) throws IOException {
    return start(config, System::nanoTime);
  }

  /** With the clock of sessions and login limits given: tests move it on. */
  static BeaconServer start(ServerConfig config, LongSupplier nanoTime) throws IOException {
    BeaconServer s = new BeaconServer(config, nanoTime);
    s.web.start();
    if (!s.web.isRunning()) {
      s.close(); // frees the DuckDB file lock, so that the process can exit
      throw new IOException(
          "cannot listen on "
              + config.host()
              + ":"
              + config.port()
              + ": "
              + whyNotListening(config.host(), config.port()));
    }
    s.backfill =
        Background.threads("beacon-rollup-backfill")
            .newThread(Background.guarded("rollup backfill", LOG, s::backfillRollups));
    s.backfill.start();
    Background.repeat(
        s.housekeeping,
        "retention",
        LOG,
        s::applyRetention,
        Duration.ofMinutes(1),
        Duration.ofDays(1));
    for (String line : s.settingsReport()) {
      LOG.info("{}", line); // which source won, so that no setting is ignored silently
    }
    return s;
  }

  /** The retention and minimum bucket in force, and the source each came from. */
  public List<String> settingsReport() {
    return products.settingsReport();
  }

  /** Helidon logs the cause but does not return it: a bind of our own names the usual one. */
  private static String whyNotListening(String host, int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
      return "see the error logged above";
    } catch (BindException e) {
      return "port " + port + " is already in use (" + e.getMessage() + ")";
    } catch (IOException | RuntimeException e) {
      return e.toString();
    }
  }

  private void applyRetention() {
    int days = products.retentionDays(); // editable from the dashboard; 0 keeps everything
    if (days <= 0) {
      return;
    }
    try {
      long n = store.deleteOlderThan(Instant.now().minus(Duration.ofDays(days)));
      LOG.info("retention: removed {} events older than {} days", n, days);
      int rollupDays = rollupRetentionDays(days, config.rollupRetentionDays());
      if (rollupDays > 0) {
        long r = store.deleteRollupsOlderThan(Instant.now().minus(Duration.ofDays(rollupDays)));
        LOG.info("retention: removed {} rollup rows older than {} days", r, rollupDays);
      }
    } catch (RuntimeException e) {
      LOG.warn("retention failed: {}", e.toString());
    }
  }

  /**
   * Rollups are kept at least as long as the raw events they summarise (so that no setting that
   * kept data before rollups existed deletes any now); 0 (either) keeps them all.
   */
  static int rollupRetentionDays(int rawDays, int rollupDays) {
    return rawDays <= 0 || rollupDays <= 0 ? 0 : Math.max(rawDays, rollupDays);
  }

  /**
   * The dedup window's ids and the bytes of its tables on {@code /metrics}, where this server holds
   * it in memory (DuckDB; PostgreSQL's is a table): its memory is bounded by {@code dedup.max_ids},
   * and an operator can see where it stands.
   */
  private static void dedupWindowGauges(EventStore store, MeterRegistry metrics) {
    if (store.dedupWindow().isEmpty()) {
      return;
    }
    Gauge.builder(
            "beacon_dedup_window_ids",
            store,
            s -> s.dedupWindow().map(w -> (double) w.ids()).orElse(Double.NaN))
        .description("Message ids held by the dedup window (all products)")
        .register(metrics);
    Gauge.builder(
            "beacon_dedup_window_bytes",
            store,
            s -> s.dedupWindow().map(w -> (double) w.bytes()).orElse(Double.NaN))
        .description("Bytes the dedup window's tables take in the server's heap")
        .register(metrics);
  }

  /**
   * Rolls up the raw events stored before rollups were kept (after an upgrade, or a rebuild), on a
   * thread of its own beside the live writes; the queries answer from what is ready meanwhile.
   */
  private void backfillRollups() {
    while (!closed) {
      try {
        backfillSteps();
        return;
      } catch (RuntimeException e) {
        LOG.warn("rollup backfill failed: {}; trying again in 30 s", e.getClass().getName());
        try {
          Thread.sleep(30_000);
        } catch (InterruptedException stop) {
          return;
        }
      }
    }
  }

  private void backfillSteps() {
    long[] events = {0};
    int[] steps = {0};
    store.completeRollups(
        p -> {
          events[0] += p.events();
          if (p.done()) {
            LOG.info(
                "rollups: {} is rolled up ({} events from before rollups were kept)",
                p.product(),
                events[0]);
            events[0] = 0;
          } else if (++steps[0] % 24 == 1) {
            LOG.info(
                "rollups: backfilling {}: events before {} done ({} so far)",
                p.product(),
                p.upTo(),
                events[0]);
          }
        },
        () -> closed);
  }

  public int port() {
    return web.port();
  }

  public String url() {
    return (config.tls() ? "https" : "http") + "://localhost:" + port();
  }

  public AdminAuth admin() {
    return admin;
  }

  public ProductRegistry products() {
    return products;
  }

  public EventStore store() {
    return store;
  }

  @Override
  public void close() {
    closed = true;
    web.stop();
    deadlines.close();
    writer.close();
    housekeeping.shutdownNow();
    if (backfill != null) {
      backfill.interrupt();
      try {
        backfill.join(30_000); // a step is one transaction: let it end before the store closes
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    store.close();
  }
}
