package dev.beacon.server.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.TelemetryMode;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.storage.FleetQueries;
import dev.beacon.server.storage.PostgresStore;
import dev.beacon.server.storage.QuarantinedEvent;
import dev.beacon.server.web.TestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 with a real broker (KRaft, a child JVM) and a real PostgreSQL: an ingest node produces
 * what it accepts, a sink stores it once (client retries and redeliveries removed), with rollups; a
 * record the sink cannot read is quarantined and its partition moves on; an erasure reaches what is
 * still on its way; with the broker down the ingest node answers 503 with Retry-After, the SDK
 * keeps its events, and delivers them once the broker is back.
 */
@SuppressWarnings("try") // the sink is closed early, to join its thread
class KafkaScaleOutTest {
  static EmbeddedPostgres postgres;
  static KafkaBroker broker;
  static int databases;

  @TempDir static Path brokerDir;
  @TempDir Path data;

  @BeforeAll
  static void start() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
    broker = KafkaBroker.start(brokerDir.resolve("broker"));
  }

  @AfterAll
  static void stop() throws Exception {
    broker.close();
    postgres.close();
  }

  /** The settings of a node: a database of its own per test, the broker, a topic per test. */
  static Map<String, String> env(String db) throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + db);
    }
    Map<String, String> env = new HashMap<>();
    env.put("BEACON_STORAGE__TYPE", "postgres");
    env.put("BEACON_STORAGE__POSTGRES__URL", postgres.getJdbcUrl("postgres", db));
    env.put("BEACON_STORAGE__POSTGRES__USER", "postgres");
    env.put("BEACON_KAFKA__BOOTSTRAP_SERVERS", broker.bootstrap());
    env.put("BEACON_KAFKA__TOPIC", "beacon.events." + db);
    env.put("BEACON_KAFKA__PARTITIONS", "3");
    env.put("BEACON_WRITER__ACK_TIMEOUT", "5s");
    return env;
  }

  static PostgresStore sinkStore(ServerConfig c) {
    return new PostgresStore(
        c.postgres().url(), c.postgres().user(), "", 4, c.dedupWindow(), c.quarantineMax());
  }

  private static String batch(String installation, int from, int n) {
    StringBuilder sb = new StringBuilder("{\"batch\":[");
    for (int i = from; i < from + n; i++) {
      sb.append(i == from ? "" : ",")
          .append("{\"type\":\"track\",\"event\":\"CommandExited\",\"anonymousId\":\"")
          .append(installation)
          .append("\",\"messageId\":\"")
          .append(installation)
          .append('-')
          .append(i)
          .append("\",\"properties\":{\"command\":\"app build\",\"eventData\":{\"exitCode\":0,")
          .append("\"durationMs\":120}}}");
    }
    return sb.append("]}").toString();
  }

  @Test
  void eachAcknowledgedEventIsStoredOnceAndAPoisonRecordIsQuarantined() throws Exception {
    Map<String, String> env = env("once");
    ServerConfig config = TestServer.config(data.resolve("sink"), env);
    try (TestServer ingest = TestServer.start(data.resolve("ingest"), env);
        PostgresStore store = sinkStore(config);
        SinkWorker sink = new SinkWorker(config.kafka(), store, new SimpleMeterRegistry())) {
      Thread worker = Thread.ofPlatform().start(sink);
      for (int b = 0; b < 10; b++) {
        String body = batch("inst-" + (b % 3), b * 50, 50);
        TestServer.Response r = ingest.post("/v1/batch", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(50);
        assertThat(ingest.post("/v1/batch", body).status()).isEqualTo(200); // a client's retry
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> store.count("acme") == 500);
      // The records sent twice: stored once, rolled up once.
      Thread.sleep(1000);
      assertThat(store.count("acme")).isEqualTo(500);
      assertThat(ingest.summary("acme", 7).get("events").asLong()).isEqualTo(500);
      FleetQueries.Filter week =
          new FleetQueries.Filter("acme", FleetQueries.windowStart(7), null, 1);
      assertThat(store.fleet().commands().byCommand(week).rows().get(0).get(1).toString())
          .isEqualTo("500");

      // A record no ingest node wrote: quarantined under the product its key names; the
      // partition moves on to the next record.
      try (KafkaProducer<byte[], byte[]> raw =
          new KafkaProducer<>(
              Map.of("bootstrap.servers", broker.bootstrap()),
              new ByteArraySerializer(),
              new ByteArraySerializer())) {
        raw.send(
                new ProducerRecord<>(
                    config.kafka().topic(),
                    "acme\u0000inst-0".getBytes(StandardCharsets.UTF_8),
                    "{not json".getBytes(StandardCharsets.UTF_8)))
            .get();
      }
      assertThat(ingest.post("/v1/batch", batch("inst-0", 1000, 5)).status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(30)).until(() -> store.count("acme") == 505);
      List<QuarantinedEvent> q = store.quarantined("acme", 10);
      assertThat(q)
          .anySatisfy(e -> assertThat(e.reason()).contains("could not read it", "not JSON"));

      // An erasure: from the store at once, and from what was still on its way.
      TestServer.Response erased =
          ingest.request(
              "DELETE",
              "/api/v1/products/acme/installations/inst-1",
              null,
              TestServer.basic("admin", TestServer.ADMIN_PASSWORD));
      assertThat(erased.status()).as(erased.body()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(store.events("acme", 1000))
                      .noneMatch(e -> e.installationId().equals("inst-1")));
      await().atMost(Duration.ofSeconds(30)).until(() -> sink.lag() == 0);
      assertThat(sink.problem()).isNull();
      assertThat(ingest.get("/readyz", null).status()).isEqualTo(200);
      sink.close(); // stops its thread; the try closes it again, which is harmless
      worker.join(10_000);
    }
  }

  @Test
  void withTheBrokerDownIngestRefusesWith503AndTheSdkDeliversOnceItIsBack() throws Exception {
    Map<String, String> env = env("down");
    ServerConfig config = TestServer.config(data.resolve("sink"), env);
    try (TestServer ingest = TestServer.start(data.resolve("ingest"), env);
        PostgresStore store = sinkStore(config);
        SinkWorker sink = new SinkWorker(config.kafka(), store, new SimpleMeterRegistry())) {
      Thread worker = Thread.ofPlatform().start(sink);
      assertThat(ingest.post("/v1/batch", batch("before", 0, 5)).status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(60)).until(() -> store.count("acme") == 5);

      broker.kill();
      try {
        TestServer.Response r = ingest.post("/v1/batch", batch("while-down", 0, 5));
        assertThat(r.status()).as(r.body()).isEqualTo(503);
        assertThat(r.header("Retry-After")).isNotBlank();
        assertThat(ingest.get("/readyz", null).status()).isEqualTo(503);

        // The SDK keeps what it could not deliver.
        Beacon beacon =
            Beacon.builder("acme")
                .version("1.0.0")
                .endpoint(URI.create(ingest.server.url()))
                .writeKey(TestServer.ACME_KEY)
                .stateDirectory(data.resolve("sdk"))
                .registerMBean(false)
                .flushInterval(Duration.ofMillis(200))
                .build();
        if (beacon.control().status().mode() == TelemetryMode.OFF) {
          beacon.close();
          return; // DO_NOT_TRACK on this machine
        }
        beacon.start();
        for (int i = 0; i < 20; i++) {
          beacon.track("while_down", Map.of("i", i));
        }
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> beacon.control().delivery().spooledPayloads() > 0);
        broker.start();
        await()
            .atMost(Duration.ofMinutes(2))
            .until(
                () ->
                    store.events("acme", 1000).stream()
                            .filter(e -> "while_down".equals(e.event()))
                            .count()
                        == 20);
        beacon.close();
      } finally {
        if (!brokerAlive()) {
          broker.start();
        }
      }
      // Each once: the 5 before, the SDK's 20 (and its report); the batch refused with 503 may
      // arrive too (the producer still held it), as a client's retry would: once.
      List<String> ids = store.events("acme", 1000).stream().map(e -> e.messageId()).toList();
      assertThat(ids).doesNotHaveDuplicates();
      assertThat(
              store.events("acme", 1000).stream()
                  .filter(
                      e -> !e.type().equals("report") && !e.installationId().equals("while-down")))
          .hasSize(25);
      sink.close(); // stops its thread; the try closes it again, which is harmless
      worker.join(10_000);
    }
  }

  /** PostgreSQL stopped under a running sink: it skips nothing, and goes on once it is back. */
  @Test
  void withPostgresDownTheSinkWaitsAndLosesNothing() throws Exception {
    Path pgData = data.resolve("pg");
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    EmbeddedPostgres own =
        EmbeddedPostgres.builder()
            .setPort(port)
            .setDataDirectory(pgData)
            .setCleanDataDirectory(false)
            .start();
    try {
      Map<String, String> env = env("pgdown");
      env.put("BEACON_STORAGE__POSTGRES__URL", own.getJdbcUrl("postgres", "postgres"));
      ServerConfig config = TestServer.config(data.resolve("sink"), env);
      try (TestServer ingest = TestServer.start(data.resolve("ingest"), env);
          PostgresStore store = sinkStore(config);
          SinkWorker sink = new SinkWorker(config.kafka(), store, new SimpleMeterRegistry())) {
        Thread worker = Thread.ofPlatform().start(sink);
        for (int b = 0; b < 5; b++) {
          assertThat(ingest.post("/v1/batch", batch("pg-" + b, b * 50, 50)).status())
              .isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> store.count("acme") == 250);

        own.close(); // PostgreSQL stops; the broker still takes what the node accepts
        for (int b = 5; b < 10; b++) {
          assertThat(ingest.post("/v1/batch", batch("pg-" + b, b * 50, 50)).status())
              .isEqualTo(200);
        }
        Thread.sleep(4000);
        assertThat(worker.isAlive()).as("the sink waits, it does not stop").isTrue();
        own =
            EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(pgData)
                .setCleanDataDirectory(false)
                .start();
        await().atMost(Duration.ofSeconds(90)).until(() -> store.count("acme") == 500);
        assertThat(store.events("acme", 1000).stream().map(e -> e.messageId()).toList())
            .doesNotHaveDuplicates();
        sink.close();
        worker.join(10_000);
      }
    } finally {
      own.close();
    }
  }

  private static boolean brokerAlive() {
    try (Admin admin =
        Admin.create(
            Map.of("bootstrap.servers", broker.bootstrap(), "default.api.timeout.ms", 2000))) {
      admin.describeCluster().nodes().get();
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
