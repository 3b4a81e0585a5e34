package dev.beacon.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.beacon.server.web.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: a server started on a data directory of the landed version (no rollups) backfills them
 * on a thread of its own and answers meanwhile; {@code ./beacon rollups rebuild} makes a product's
 * rollups again from its raw events.
 */
class RollupsCommandTest {
  @TempDir Path tmp;

  private Path landedDataDirectory() throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data"));
    try (InputStream in =
        RollupsCommandTest.class.getResourceAsStream(
            "/dev/beacon/server/storage/landed-0.1.0/beacon.duckdb")) {
      Files.copy(in, data.resolve("beacon.duckdb"));
    }
    return data;
  }

  @Test
  void aServerOnALandedDirectoryBackfillsItsRollupsAndTheRebuildMakesThemAgain()
      throws IOException {
    Path data = landedDataDirectory();
    Map<String, String> env = Map.of("BEACON_RETENTION__DAYS", "3650");
    try (TestServer s = TestServer.start(data, env)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertThat(s.summary("acme", 3650).get("events").asLong()).isEqualTo(1212));
      assertThat(s.summary("acme", 3650).get("active_installations").asLong()).isEqualTo(30);
    }

    BeaconCliTest.Run rebuilt =
        BeaconCliTest.run("rollups", "rebuild", "--product", "acme", "--data", data.toString());
    assertThat(rebuilt.exit()).as(rebuilt.err()).isZero();
    assertThat(rebuilt.out())
        .contains("Rebuilding the rollups of acme from its raw events")
        .contains("Done: 1212 events rolled up.");

    try (TestServer s = TestServer.start(data, env)) {
      assertThat(s.summary("acme", 3650).get("events").asLong()).isEqualTo(1212);
    }
  }

  @Test
  void theRebuildNamesWhatIsMissing() throws IOException {
    BeaconCliTest.Run none =
        BeaconCliTest.run(
            "rollups", "rebuild", "--product", "acme", "--data", tmp.resolve("nowhere").toString());
    assertThat(none.exit()).isEqualTo(2);
    assertThat(none.err()).contains("no store at").contains("--data");

    Path data = landedDataDirectory();
    BeaconCliTest.Run unknown =
        BeaconCliTest.run("rollups", "rebuild", "--product", "shop", "--data", data.toString());
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("product shop has no events here");

    BeaconCliTest.Run missing = BeaconCliTest.run("rollups", "rebuild");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("--product");
  }
}
