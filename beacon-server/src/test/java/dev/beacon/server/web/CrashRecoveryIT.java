package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.beacon.server.storage.DuckDbStore;
import dev.beacon.server.storage.FleetQueries;
import dev.beacon.server.storage.StoredEvent;
import dev.beacon.server.storage.Table;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable acknowledgement, proved the hard way: the server runs as a child process under load and
 * is killed with SIGKILL; after a restart every acknowledged event is there, and the clients'
 * retries (of the unanswered and, to be sure, of the answered batches) create no duplicate.
 */
class CrashRecoveryIT {
  private static final int CLIENTS = 4;
  private static final int BATCH = 50;

  @TempDir Path data;

  record Batch(String body, List<String> ids) {}

  @Test
  void everyAcknowledgedEventSurvivesKillNineAndRetriesCreateNoDuplicate() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    List<Batch> answered = new CopyOnWriteArrayList<>();
    List<Batch> unanswered = new CopyOnWriteArrayList<>();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger sent = new AtomicInteger();

    Process server = startServer(port);
    TestServer.awaitReady(http, port);
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      Thread t =
          new Thread(
              () -> {
                int seq = 0;
                while (running.get()) {
                  Batch b = batch(client, seq++);
                  sent.incrementAndGet();
                  if (post(http, port, b) == 200) {
                    acknowledged.addAll(b.ids());
                    answered.add(b);
                  } else {
                    unanswered.add(b);
                  }
                }
              });
      t.start();
      clients.add(t);
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 20_000);
    server.destroyForcibly(); // SIGKILL, mid-load
    server.waitFor(30, TimeUnit.SECONDS);
    running.set(false);
    for (Thread t : clients) {
      t.join();
    }
    assertThat(unanswered).as("batches cut off by the kill").isNotEmpty();

    Process restarted = startServer(port);
    try {
      TestServer.awaitReady(http, port);
      for (Batch b : unanswered) {
        await().atMost(Duration.ofSeconds(30)).until(() -> post(http, port, b) == 200);
      }
      for (int i = 0; i < Math.min(50, answered.size()); i++) {
        assertThat(post(http, port, answered.get(i))).isEqualTo(200); // a retry of an acked batch
      }
    } finally {
      restarted.destroy(); // SIGTERM: a clean stop, so the test can open the file
      restarted.waitFor(60, TimeUnit.SECONDS);
    }

    List<StoredEvent> stored;
    try (DuckDbStore store =
        new DuckDbStore(data.resolve("beacon.duckdb"), Duration.ofHours(24), 10, 10)) {
      stored = store.events("acme", 10_000_000);
      // The rollup rows waiting in the killed server's memory were made again at the restart
      // from the events of the groups after the merge's watermark: they agree with the raw
      // events, and with rollups made again from all of them (none counted twice or lost).
      Instant window = FleetQueries.windowStart(2);
      assertThat(store.summary("acme", window).events()).isEqualTo(stored.size());
      assertThat(store.summary("acme", window).activeInstallations()).isEqualTo(CLIENTS);
      Map<String, Table> live = answers(store);
      store.rebuildRollups("acme");
      store.completeRollups(p -> {}, () -> false);
      assertThat(answers(store)).isEqualTo(live);
      long runs = stored.stream().filter(e -> "CommandExited".equals(e.event())).count();
      assertThat(live.get("commands").rows().get(0).get(1)).isEqualTo(runs);
    }
    Set<String> ids = new HashSet<>();
    for (StoredEvent e : stored) {
      assertThat(ids.add(e.messageId())).as("duplicate " + e.messageId()).isTrue();
    }
    assertThat(ids).containsAll(acknowledged);
    for (Batch b : unanswered) {
      assertThat(ids).containsAll(b.ids());
    }
    System.out.printf(
        "crash test: %d batches sent, %d events acknowledged before SIGKILL, %d batches retried,"
            + " %d events stored%n",
        sent.get(), acknowledged.size(), unanswered.size(), ids.size());
  }

  private static Map<String, Table> answers(DuckDbStore store) {
    FleetQueries.Filter f = new FleetQueries.Filter("acme", FleetQueries.windowStart(2), null, 1);
    Map<String, Table> out = new TreeMap<>();
    out.put("active", store.fleet().active(f));
    out.put("versions", store.fleet().versionsOverTime(f));
    out.put("commands", store.fleet().commands().byCommand(f));
    out.put("new-lost", store.fleet().newAndLost(f));
    return out;
  }

  private Process startServer(int port) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.beacon.server.cli.BeaconCli",
                "serve",
                "--port",
                String.valueOf(port),
                "--data",
                data.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("server.log").toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("BEACON_"));
    pb.environment().put("BEACON_PRODUCTS__ACME__WRITE_KEY", TestServer.ACME_KEY);
    pb.environment().put("BEACON_ADMIN__PASSWORD", TestServer.ADMIN_PASSWORD);
    pb.environment().put("BEACON_SERVER__HOST", "127.0.0.1");
    return pb.start();
  }

  private static Batch batch(int client, int seq) {
    StringBuilder sb = new StringBuilder("{\"batch\":[");
    List<String> ids = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      String id = "c" + client + "-b" + seq + "-e" + i;
      ids.add(id);
      if (i > 0) {
        sb.append(',');
      }
      // Every fifth a command run, so that the rollups of commands are checked too.
      String properties =
          i % 5 == 0
              ? "{\"command\":\"build\",\"eventData\":{\"exitCode\":"
                  + (i % 2)
                  + ",\"durationMs\":"
                  + (100 + i)
                  + "}}"
              : "{\"i\":" + i + "}";
      sb.append("{\"type\":\"track\",\"event\":\"")
          .append(i % 5 == 0 ? "CommandExited" : "load")
          .append("\",\"anonymousId\":\"inst-")
          .append(client)
          .append("\",\"messageId\":\"")
          .append(id)
          .append("\",\"context\":{\"app\":{\"version\":\"1.")
          .append(client % 2)
          .append("\"}},\"properties\":")
          .append(properties)
          .append("}");
    }
    return new Batch(sb.append("]}").toString(), ids);
  }

  private static int post(HttpClient http, int port, Batch b) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/batch"))
                  .timeout(Duration.ofSeconds(10))
                  .header("Content-Type", "application/json")
                  .header("Authorization", TestServer.basic(TestServer.ACME_KEY, ""))
                  .POST(HttpRequest.BodyPublishers.ofString(b.body()))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }
}
