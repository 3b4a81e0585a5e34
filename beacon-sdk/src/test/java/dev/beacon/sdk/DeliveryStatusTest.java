package dev.beacon.sdk;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.DeliveryStatus.LastOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: delivery problems visible. A write key the server does not know is named in the status
 * (of this process and of another one reading the same state directory), logged once at WARNING by
 * a server product and never by a CLI, and the payloads stay spooled until the right key delivers
 * them, once each.
 */
class DeliveryStatusTest {
  @TempDir Path tmp;

  private final List<LogRecord> warnings = new ArrayList<>();
  private final Logger sdkLogger = Logger.getLogger("dev.beacon.sdk");
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
            synchronized (warnings) {
              warnings.add(r);
            }
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void listen() {
    sdkLogger.addHandler(handler);
  }

  @AfterEach
  void stopListening() {
    sdkLogger.removeHandler(handler);
    TestBeacons.awaitUploadersGone(tmp);
  }

  private int warningCount() {
    synchronized (warnings) {
      return warnings.size();
    }
  }

  @Test
  void aWrongKeyIsNamedLoggedOnceAndTheRightKeyDeliversTheSpoolOnce() {
    Path state = tmp.resolve("state");
    try (TestCollector collector = TestCollector.start().answer(401, null)) {
      Beacon wrong =
          TestBeacons.builder(state, collector.uri())
              .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(200))
              .build();
      assertThat(wrong.control().delivery().lastOutcome()).isEqualTo(LastOutcome.NONE);
      wrong.start();
      for (int i = 0; i < 5; i++) {
        wrong.track("started", Map.of("i", i));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.attemptMillis().size() >= 4);
      wrong.close();

      DeliveryStatus refused = wrong.control().delivery();
      assertThat(refused.lastOutcome()).isEqualTo(LastOutcome.REFUSED);
      assertThat(refused.detail())
          .contains("HTTP 401", "does not know this write key", "ACME_TELEMETRY_WRITE_KEY");
      assertThat(refused.lastAttempt()).isNotNull();
      assertThat(refused.spooledPayloads()).isPositive();
      assertThat(refused.spooledBytes()).isPositive();
      assertThat(refused.oldestSpooled()).isNotNull();
      assertThat(refused.toString()).startsWith("refused: HTTP 401").contains("spooled");
      // Several refusals, one warning, which names what to check and no key.
      assertThat(warningCount()).isEqualTo(1);
      assertThat(warnings.get(0).getMessage())
          .contains("ACME_TELEMETRY_WRITE_KEY", "stay in the spool")
          .doesNotContain("wk_test");
      assertThat(collector.messages()).isEmpty();

      // The operator sets the right key; the next start delivers what the spool kept.
      collector.answer(200, null);
      Beacon right =
          TestBeacons.builder(
                  state, collector.uri(), Map.of("ACME_TELEMETRY_WRITE_KEY", "wk_right"))
              .build();
      right.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> right.control().delivery().spooledPayloads() == 0);
      right.close();
      List<JsonNode> started = new ArrayList<>();
      for (JsonNode m : collector.messages()) {
        if (m.path("event").asText().equals("started")) {
          started.add(m);
        }
      }
      Set<String> ids = new HashSet<>();
      started.forEach(m -> ids.add(m.get("messageId").asText()));
      assertThat(started).hasSize(5);
      assertThat(ids).hasSize(5); // once each
      String expected = "Basic " + Base64.getEncoder().encodeToString("wk_right:".getBytes(UTF_8));
      assertThat(collector.delivered())
          .allSatisfy(r -> assertThat(r.authorization()).isEqualTo(expected));
      assertThat(right.control().delivery().lastOutcome()).isEqualTo(LastOutcome.DELIVERED);
    }
  }

  @Test
  void aCommandLineProductRecordsTheRefusalButNeverWarns() throws Exception {
    Path state = tmp.resolve("cli");
    try (TestCollector collector = TestCollector.start().answer(401, null)) {
      Beacon cli =
          TestBeacons.builder(state, collector.uri())
              .forCommandLine()
              .detachedUploader(false)
              .build();
      cli.start();
      cli.track("CommandExited", Map.of());
      await().atMost(Duration.ofSeconds(10)).until(() -> !collector.attemptMillis().isEmpty());
      cli.close();
      assertThat(warningCount()).isZero();
      // Another process on the same state directory (./beacon status) reads the same.
      Beacon reader = TestBeacons.builder(state, collector.uri()).build();
      DeliveryStatus s = reader.control().delivery();
      reader.close();
      assertThat(s.lastOutcome()).isEqualTo(LastOutcome.REFUSED);
      assertThat(s.detail()).contains("does not know this write key");
      Path record = state.resolve("spool/last-delivery.properties");
      assertThat(record).content().contains("REFUSED").doesNotContain("wk_test");
      if (record.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(record)))
            .isEqualTo("rw-------");
      }
    }
  }

  @Test
  void theWriteKeyFromTheEnvironmentWinsAndAMalformedOneIsAProblem() {
    assertThat(
            TestBeacons.settings(
                    TestBeacons.builder(
                        tmp, null, Map.of("ACME_TELEMETRY_WRITE_KEY", " wk_from_env ")))
                .writeKey)
        .isEqualTo("wk_from_env");
    assertThat(TestBeacons.settings(TestBeacons.builder(tmp, null, Map.of())).writeKey)
        .isEqualTo("wk_test");
    assertThat(
            TestBeacons.settings(
                    TestBeacons.builder(
                        tmp, null, Map.of("ACME_TELEMETRY_WRITE_KEY", "wk with space")))
                .problems)
        .anySatisfy(p -> assertThat(p).contains("ACME_TELEMETRY_WRITE_KEY"));
  }
}
