package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.SendResult;
import dev.beacon.sdk.TelemetryMode;
import dev.beacon.server.cli.CliRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, air-gapped upload: what a product kept in local mode (the SDK's own log, written as the
 * example apps write it with {@code <PREFIX>_TELEMETRY=local}) is sent later with {@code ./beacon
 * upload}; uploaded twice, it is stored once, and the report says so.
 */
class UploadTest {
  @TempDir Path tmp;

  /** A product run in local mode: a report and a few events, kept in its log file only. */
  private Path localModeLog() {
    Path log = tmp.resolve("telemetry.jsonl");
    try (Beacon beacon =
        Beacon.builder("acme")
            .version("3.1.0")
            .configuredMode(TelemetryMode.LOCAL)
            .logFile(log)
            .stateDirectory(tmp.resolve("state"))
            .registerMBean(false)
            .build()) {
      if (beacon.control().status().mode() != TelemetryMode.LOCAL) {
        return null; // DO_NOT_TRACK on this machine: nothing is written, rightly
      }
      assertThat(beacon.control().sendReportNow().outcome())
          .isEqualTo(SendResult.Outcome.LOGGED_LOCALLY);
      for (int i = 0; i < 5; i++) {
        beacon.track("job_finished", Map.of("n", i));
      }
    }
    return log;
  }

  @Test
  void aLocalModeLogUploadedTwiceIsStoredOnce() throws Exception {
    Path log = localModeLog();
    if (log == null) {
      return;
    }
    try (TestServer s = TestServer.start(tmp.resolve("data"))) {
      String[] args = {
        "upload", "--endpoint", s.server.url(), "--write-key", TestServer.ACME_KEY, log.toString()
      };
      CliRunner.Run first = CliRunner.run(Map.of(), args);
      assertThat(first.exit()).as(first.out() + first.err()).isZero();
      assertThat(first.out()).contains("6 events accepted, 0 there already, 0 rejected");
      assertThat(s.server.store().count("acme")).isEqualTo(6);

      CliRunner.Run second = CliRunner.run(Map.of(), args);
      assertThat(second.exit()).isZero();
      assertThat(second.out()).contains("0 events accepted, 6 there already, 0 rejected");
      assertThat(s.server.store().count("acme")).isEqualTo(6);
      assertThat(s.server.store().events("acme", 10))
          .anySatisfy(e -> assertThat(e.type()).isEqualTo("report"))
          .allSatisfy(e -> assertThat(e.version()).isEqualTo("3.1.0"));
    }
  }

  @Test
  void linesThatAreNotPayloadsAndRefusalsAreReported() throws Exception {
    Path log = localModeLog();
    if (log == null) {
      return;
    }
    Files.writeString(
        log,
        """
        not json
        {"no":"batch"}
        {"batch":[{"type":"track","event":"x"}]}
        """, // the last: no anonymousId
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    try (TestServer s = TestServer.start(tmp.resolve("data"))) {
      CliRunner.Run r =
          CliRunner.run(
              Map.of("BEACON_WRITE_KEY", TestServer.ACME_KEY),
              "upload",
              "--endpoint",
              s.server.url(),
              log.toString());
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.out())
          .contains("6 events accepted", "1 rejected", "2 lines not a payload", "anonymousId");
      CliRunner.Run wrongKey =
          CliRunner.run(
              Map.of(),
              "upload",
              "--endpoint",
              s.server.url(),
              "--write-key",
              "wk_wrong_1234",
              log.toString());
      assertThat(wrongKey.exit()).isEqualTo(1);
      assertThat(wrongKey.out()).contains("refused the write key");
      CliRunner.Run noKey =
          CliRunner.run(Map.of(), "upload", "--endpoint", s.server.url(), log.toString());
      assertThat(noKey.exit()).isEqualTo(2);
      assertThat(noKey.err()).contains("BEACON_WRITE_KEY");
      CliRunner.Run badUrl =
          CliRunner.run(
              Map.of(), "upload", "--endpoint", "ftp://x", "--write-key", "k", log.toString());
      assertThat(badUrl.exit()).isEqualTo(2);
    }
  }
}
