package dev.beacon.sdk.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.log.QuietLog;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the exporter makes of the server's answers, and of an endpoint in clear. */
class HttpExporterTest {
  @TempDir Path tmp;

  @Test
  void requestTimeoutAnd408AreRetried() {
    assertThat(HttpExporter.classify(408, null).kind).isEqualTo(HttpExporter.Outcome.Kind.RETRY);
    assertThat(HttpExporter.classify(503, "7").retryAfterMillis).isEqualTo(7000);
    assertThat(HttpExporter.classify(202, null).kind)
        .isEqualTo(HttpExporter.Outcome.Kind.DELIVERED);
    assertThat(HttpExporter.retryAfterMillis("Wed, 21 Oct 2015 07:28:00 GMT")).isZero();
    assertThat(HttpExporter.retryAfterMillis("soon")).isZero();
    assertThat(HttpExporter.classify(301, null).kind).isEqualTo(HttpExporter.Outcome.Kind.RETRY);
    assertThat(HttpExporter.classify(308, null).detail).contains("not followed");
  }

  /**
   * Security audit 2026-12, L11: only an answer about the payload itself drops it; a proxy's 403 or
   * 404 during maintenance, or a rotated key's 401, keeps the spool.
   */
  @Test
  void onlyBadPayloadAnswersDropThePayloadOtherClientErrorsKeepIt() {
    for (int status : List.of(400, 413, 422)) {
      assertThat(HttpExporter.classify(status, null).kind)
          .as("HTTP " + status)
          .isEqualTo(HttpExporter.Outcome.Kind.REJECTED);
    }
    for (int status : List.of(401, 403, 404, 405, 407, 410, 415)) {
      HttpExporter.Outcome o = HttpExporter.classify(status, "30");
      assertThat(o.kind).as("HTTP " + status).isEqualTo(HttpExporter.Outcome.Kind.REFUSED);
      assertThat(o.kept()).isTrue();
      assertThat(o.retryAfterMillis).isEqualTo(30_000);
    }
    assertThat(HttpExporter.classify(429, null).kind).isEqualTo(HttpExporter.Outcome.Kind.RETRY);
  }

  /**
   * Security audit 2026-12, L11: the write key in clear over the network is worth one quiet line.
   */
  @Test
  void aWriteKeySentOverPlainHttpToAnotherMachineIsLoggedOnceQuietly() {
    Logger jul = Logger.getLogger("dev.beacon.sdk");
    Level previous = jul.getLevel();
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            records.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    handler.setLevel(Level.ALL);
    jul.setLevel(Level.ALL);
    jul.addHandler(handler);
    try {
      QuietLog log = new QuietLog("acme");
      for (String local :
          List.of("http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080")) {
        new HttpExporter(settings(local, "wk_test"), log);
      }
      new HttpExporter(settings("https://telemetry.example", "wk_test"), log);
      new HttpExporter(settings("http://telemetry.example", null), log);
      assertThat(cleartext(records)).isEmpty();

      new HttpExporter(settings("http://telemetry.example", "wk_test"), log);
      new HttpExporter(settings("http://10.0.0.7:8080", "wk_test"), log);
      List<LogRecord> found = cleartext(records);
      assertThat(found).hasSize(2);
      assertThat(found.get(0).getLevel()).isEqualTo(Level.FINE);
      assertThat(found.get(1).getLevel().intValue()).isLessThan(Level.FINE.intValue());
      assertThat(found.get(0).getMessage()).doesNotContain("wk_test");
    } finally {
      jul.removeHandler(handler);
      jul.setLevel(previous);
    }
  }

  private Settings settings(String endpoint, String writeKey) {
    Settings.Draft d = new Settings.Draft("acme");
    d.endpoint = URI.create(endpoint);
    d.environment = Map.of();
    d.systemProperties = new Properties();
    d.stateDirectory = tmp.resolve("state");
    d.writeKey = writeKey;
    return Settings.resolve(d);
  }

  private static List<LogRecord> cleartext(List<LogRecord> records) {
    List<LogRecord> found = new ArrayList<>();
    for (LogRecord r : records) {
      if (r.getMessage() != null && r.getMessage().contains("travels in clear")) {
        found.add(r);
      }
    }
    return found;
  }
}
