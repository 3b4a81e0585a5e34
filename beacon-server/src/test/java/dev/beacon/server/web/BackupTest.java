package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.beacon.server.cli.CliRunner;
import dev.beacon.server.storage.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, backups of the embedded store: taken from the running server while clients keep
 * sending, restored into a new data directory, every event acknowledged before the backup began is
 * there, and so is what products.json held (a product made in the dashboard, its key).
 */
class BackupTest {
  private static final Map<String, String> ADMIN_ENV =
      Map.of("BEACON_ADMIN__PASSWORD", TestServer.ADMIN_PASSWORD);

  @TempDir Path tmp;

  @Test
  void aBackupTakenUnderLoadHoldsEveryEventAcknowledgedBeforeIt() throws Exception {
    Path backup = tmp.resolve("backup");
    Set<String> before;
    String madeKey;
    try (TestServer s = TestServer.start(tmp.resolve("data"))) {
      madeKey =
          s.request(
                  "POST",
                  "/api/v1/products",
                  "{\"name\":\"madehere\"}",
                  TestServer.basic("admin", TestServer.ADMIN_PASSWORD))
              .json()
              .get("write_key")
              .asText();
      ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < 2; c++) {
        int client = c;
        clients.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      for (int b = 0; !stop.get(); b++) {
                        List<String> ids = new ArrayList<>();
                        StringBuilder sb = new StringBuilder("{\"batch\":[");
                        for (int i = 0; i < 50; i++) {
                          String id = "c" + client + "-b" + b + "-" + i;
                          ids.add(id);
                          sb.append(i == 0 ? "" : ",")
                              .append("{\"type\":\"track\",\"event\":\"load\",\"anonymousId\":\"i-")
                              .append(client)
                              .append("\",\"messageId\":\"")
                              .append(id)
                              .append("\"}");
                        }
                        if (s.post("/v1/batch", sb.append("]}").toString()).status() == 200) {
                          acked.addAll(ids);
                        }
                      }
                    }));
      }
      await().atMost(Duration.ofMinutes(1)).until(() -> acked.size() >= 2000);
      before = new HashSet<>(acked); // acknowledged before the backup began
      CliRunner.Run r =
          CliRunner.run(ADMIN_ENV, "backup", "--to", backup.toString(), "--server", s.server.url());
      int during = acked.size() - before.size();
      int after = acked.size();
      await().atMost(Duration.ofMinutes(1)).until(() -> acked.size() >= after + 200);
      stop.set(true);
      for (Thread t : clients) {
        t.join();
      }
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).contains("beacon.duckdb", "products.json");
      assertThat(during).as("events acknowledged while the backup ran").isPositive();

      CliRunner.Run again =
          CliRunner.run(ADMIN_ENV, "backup", "--to", backup.toString(), "--server", s.server.url());
      assertThat(again.exit()).isEqualTo(2);
      assertThat(again.err()).contains("not empty");
    }
    try (Stream<Path> left = Files.list(tmp.resolve("data").resolve("tmp"))) {
      assertThat(left.toList()).as("the backup's temporary copy").isEmpty();
    }

    Path restored = tmp.resolve("restored");
    CliRunner.Run r =
        CliRunner.run(
            Map.of(), "restore", "--from", backup.toString(), "--data", restored.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    try (TestServer s = TestServer.start(restored)) {
      Set<String> stored = new HashSet<>();
      for (StoredEvent e : s.server.store().events("acme", 1_000_000)) {
        stored.add(e.messageId());
      }
      assertThat(stored).containsAll(before);
      // products.json came back too: the product made in the dashboard takes its key.
      TestServer.Response sent =
          s.post(
              "/v1/batch",
              "{\"batch\":[{\"type\":\"track\",\"event\":\"x\",\"anonymousId\":\"a\"}]}"
                  .getBytes(StandardCharsets.UTF_8),
              "Authorization",
              TestServer.basic(madeKey, ""));
      assertThat(sent.status()).isEqualTo(200);
    }
    CliRunner.Run over =
        CliRunner.run(
            Map.of(), "restore", "--from", backup.toString(), "--data", restored.toString());
    assertThat(over.exit()).isEqualTo(2);
    assertThat(over.err()).contains("has a store already");
    CliRunner.Run notBackup =
        CliRunner.run(
            Map.of(),
            "restore",
            "--from",
            tmp.resolve("nothing").toString(),
            "--data",
            tmp.resolve("x").toString());
    assertThat(notBackup.exit()).isEqualTo(2);
    assertThat(notBackup.err()).contains("not a Beacon backup");
  }

  @Test
  void onlyTheAdminTakesABackup() {
    try (TestServer s = TestServer.start(tmp.resolve("data"))) {
      assertThat(s.get("/api/v1/backup", null).status()).isEqualTo(401);
    }
  }
}
