package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.beacon.server.kafka.KafkaBroker;
import dev.beacon.server.web.TestServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 end to end, everything real and in processes of its own: a KRaft broker, PostgreSQL, two
 * ingest nodes ({@code ./beacon serve --kafka}) and two sinks ({@code ./beacon sink}). Clients send
 * batches through both nodes and retry on the other when one fails; meanwhile one ingest node is
 * killed ({@code kill -9}), then one sink (mid-batch: it is always storing), then the broker is
 * killed and started again. Afterwards every acknowledged event is in PostgreSQL exactly once, and
 * the rollups answer what the raw events answer.
 */
class ScaleOutIT {
  @TempDir Path tmp;

  private final List<Process> children = new ArrayList<>();

  @Test
  void nothingAcknowledgedIsLostAndNothingIsStoredTwiceThroughKillsAndARestart() throws Exception {
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
        KafkaBroker broker = KafkaBroker.start(tmp.resolve("broker"))) {
      String url = postgres.getJdbcUrl("postgres", "postgres");
      Map<String, String> env =
          Map.of(
              "BEACON_PRODUCTS__ACME__WRITE_KEY", TestServer.ACME_KEY,
              "BEACON_ADMIN__PASSWORD", TestServer.ADMIN_PASSWORD,
              "BEACON_SERVER__HOST", "127.0.0.1",
              "BEACON_STORAGE__TYPE", "postgres",
              "BEACON_STORAGE__POSTGRES__URL", url,
              "BEACON_STORAGE__POSTGRES__USER", "postgres",
              "BEACON_KAFKA__BOOTSTRAP_SERVERS", broker.bootstrap(),
              "BEACON_KAFKA__PARTITIONS", "4",
              // A killed sink's partitions go to the other within seconds, not the default 45.
              "BEACON_KAFKA__CLIENT__SESSION_TIMEOUT_MS", "8000",
              "BEACON_KAFKA__CLIENT__HEARTBEAT_INTERVAL_MS", "2000");
      int[] ingestPorts = {freePort(), freePort()};
      List<Process> ingest = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        ingest.add(
            child(
                env,
                "ingest-" + i,
                "serve",
                "--port",
                String.valueOf(ingestPorts[i]),
                "--data",
                tmp.resolve("node-" + i).toString()));
      }
      List<Process> sinks = new ArrayList<>();
      int sinkPort = freePort();
      sinks.add(child(env, "sink-0", "sink", "--port", String.valueOf(freePort())));
      sinks.add(child(env, "sink-1", "sink", "--port", String.valueOf(sinkPort)));
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      for (int port : ingestPorts) {
        TestServer.awaitReady(http, port);
      }
      TestServer.awaitReady(http, sinkPort);

      ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger gaveUp = new AtomicInteger();
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        int client = c;
        clients.add(
            Thread.ofPlatform().start(() -> load(http, ingestPorts, client, stop, acked, gaveUp)));
      }
      awaitAcked(acked, 2_000);
      ingest.get(0).destroyForcibly(); // kill -9: the clients go on through the other node
      awaitAcked(acked, 4_000);
      sinks.get(0).destroyForcibly(); // mid-batch: a sink is always storing under this load
      awaitAcked(acked, 6_000);
      broker.kill();
      broker.start();
      awaitAcked(acked, 9_000);
      stop.set(true);
      for (Thread t : clients) {
        t.join();
      }
      Set<String> ackedIds = new HashSet<>(acked);
      // The surviving sink shows its lag to Prometheus and to a load balancer.
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sinkPort + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(metrics).contains("beacon_sink_lag_records", "beacon_sink_records_total");

      try (PostgresStore store =
          new PostgresStore(url, "postgres", "", 4, Duration.ofHours(24), 10_000)) {
        await()
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> storedIds(store).containsAll(ackedIds));
        Thread.sleep(3000); // what a redelivery would add, it would have added by now
        try (Connection c = postgres.getPostgresDatabase().getConnection();
            Statement s = c.createStatement();
            ResultSet rs =
                s.executeQuery(
                    "SELECT message_id FROM events GROUP BY product, message_id"
                        + " HAVING count(*) > 1")) {
          assertThat(rs.next()).as("a message id stored twice").isFalse();
        }
        // The rollups, written by two sinks through a rebalance, answer what raw events answer.
        FleetQueries.Filter f =
            new FleetQueries.Filter("acme", FleetQueries.windowStart(7), null, 1);
        RawFleetQueries raw = new RawFleetQueries(RawDialect.POSTGRES, store.fleet().connector());
        assertThat(rows(store.fleet().active(f))).isEqualTo(rows(raw.active(f)));
        assertThat(rows(store.fleet().versionsOverTime(f)))
            .isEqualTo(rows(raw.versionsOverTime(f)));
        assertThat(rows(store.fleet().newAndLost(f))).isEqualTo(rows(raw.newAndLost(f)));
        assertThat(store.summary("acme", f.since()).events())
            .isEqualTo(raw.summary("acme", f.since()).events())
            .isEqualTo(store.count("acme"));
        assertThat(store.count("acme")).isGreaterThanOrEqualTo(ackedIds.size());
      }
    } finally {
      for (Process p : children) {
        p.destroyForcibly();
      }
    }
  }

  /** Batches of 20 through one node, then the other when one fails, until acknowledged. */
  private static void load(
      HttpClient http,
      int[] ports,
      int client,
      AtomicBoolean stop,
      ConcurrentLinkedQueue<String> acked,
      AtomicInteger gaveUp) {
    for (int b = 0; !stop.get(); b++) {
      List<String> ids = new ArrayList<>();
      StringBuilder sb = new StringBuilder("{\"batch\":[");
      for (int i = 0; i < 20; i++) {
        String id = "c" + client + "-" + b + "-" + i;
        ids.add(id);
        sb.append(i == 0 ? "" : ",")
            .append("{\"type\":\"track\",\"event\":\"CommandExited\",\"anonymousId\":\"i-")
            .append((b * 20 + i) % 37)
            .append("\",\"messageId\":\"")
            .append(id)
            .append("\",\"context\":{\"app\":{\"version\":\"1.")
            .append(b % 3)
            .append(
                "\"}},\"properties\":{\"command\":\"app build\",\"eventData\":{\"exitCode\":0}}}");
      }
      String body = sb.append("]}").toString();
      boolean done = false;
      for (int attempt = 0; attempt < 200 && !done; attempt++) {
        int port = ports[(client + b + attempt) % ports.length];
        try {
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/batch"))
                      .timeout(Duration.ofSeconds(15))
                      .header("Content-Type", "application/json")
                      .header("Authorization", TestServer.basic(TestServer.ACME_KEY, ""))
                      .POST(HttpRequest.BodyPublishers.ofString(body))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          done = r.statusCode() == 200;
        } catch (IOException e) {
          done = false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (!done) {
          try {
            Thread.sleep(250);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
      if (done) {
        acked.addAll(ids);
      } else {
        gaveUp.incrementAndGet();
      }
    }
  }

  private static Set<String> storedIds(PostgresStore store) {
    Set<String> ids = new HashSet<>();
    store
        .fleet()
        .connector()
        .read(
            "ids",
            c -> {
              try (Statement s = c.createStatement();
                  ResultSet rs = s.executeQuery("SELECT message_id FROM events")) {
                while (rs.next()) {
                  ids.add(rs.getString(1));
                }
              }
              return null;
            });
    return ids;
  }

  private static List<String> rows(Table t) {
    List<String> out = new ArrayList<>();
    for (List<Object> r : t.rows()) {
      StringBuilder sb = new StringBuilder();
      for (Object v : r) {
        if (v instanceof Number n) {
          v = n.longValue();
        }
        sb.append(v).append('|');
      }
      out.add(sb.toString());
    }
    Collections.sort(out);
    return out;
  }

  private static void awaitAcked(ConcurrentLinkedQueue<String> acked, int n) {
    await().atMost(Duration.ofMinutes(3)).until(() -> acked.size() >= n);
  }

  private Process child(Map<String, String> env, String name, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path")));
    cmd.add("dev.beacon.server.cli.BeaconCli");
    cmd.addAll(List.of(args));
    Files.createDirectories(tmp);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve(name + ".log").toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("BEACON_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    children.add(p);
    return p;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
