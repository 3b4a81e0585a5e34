package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeliveryRulesTest {
  @TempDir Path tmp;

  @Test
  void aPermanentClientErrorIsNotRetriedAndTheSpoolIsCleared() {
    try (TestCollector collector = TestCollector.start().answer(400, null)) {
      Beacon beacon =
          TestBeacons.builder(tmp.resolve("state"), collector.uri())
              .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(20))
              .build();
      SendResult result = beacon.control().sendReportNow();
      beacon.start();
      await().during(Duration.ofMillis(300)).until(() -> collector.attemptMillis().size() == 1);
      beacon.close();
      assertThat(result.outcome()).isEqualTo(SendResult.Outcome.REJECTED);
      assertThat(result.detail()).contains("HTTP 400");
      assertThat(beacon.pipeline().spool().pending()).isEmpty();
    }
  }

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

  /** Security audit 2026-12, L11: a 401 used to delete the spool for good. */
  @Test
  void aRefusedRequestKeepsThePayloadRetriesAtTheLongestBackoffAndDeliversOnceFixed() {
    try (TestCollector collector = TestCollector.start().answer(401, null)) {
      Beacon beacon =
          TestBeacons.builder(tmp.resolve("state"), collector.uri())
              .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(1000))
              .build();
      SendResult result = beacon.control().sendReportNow();
      assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.SPOOLED);
      assertThat(result.detail()).contains("HTTP 401");
      assertThat(beacon.pipeline().spool().pending()).hasSize(1);

      beacon.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.attemptMillis().size() >= 3);
      List<Long> attempts = collector.attemptMillis();
      for (int i = 1; i < 3; i++) {
        // The longest backoff (1 s) with equal jitter: at least half of it, never the 10 ms base.
        assertThat(attempts.get(i) - attempts.get(i - 1)).isGreaterThanOrEqualTo(450);
      }
      assertThat(beacon.pipeline().spool().pending()).isNotEmpty();
      assertThat(beacon.droppedEvents()).isZero();

      collector.answer(200, null);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> beacon.pipeline().spool().pending().isEmpty());
      beacon.close();
      assertThat(collector.messages()).isNotEmpty();
      assertThat(collector.messages().get(0).get("type").asText()).isEqualTo("report");
    }
  }

  /**
   * Security audit 2026-12, L11: the write key in clear over the network is worth one quiet line.
   */
  @Test
  void aWriteKeySentOverPlainHttpToAnotherMachineIsLoggedOnceQuietly() {
    java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.beacon.sdk");
    java.util.logging.Level previous = jul.getLevel();
    List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler handler =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            records.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    handler.setLevel(java.util.logging.Level.ALL);
    jul.setLevel(java.util.logging.Level.ALL);
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
      List<java.util.logging.LogRecord> found = cleartext(records);
      assertThat(found).hasSize(2);
      assertThat(found.get(0).getLevel()).isEqualTo(java.util.logging.Level.FINE);
      assertThat(found.get(1).getLevel().intValue())
          .isLessThan(java.util.logging.Level.FINE.intValue());
      assertThat(found.get(0).getMessage()).doesNotContain("wk_test");
    } finally {
      jul.removeHandler(handler);
      jul.setLevel(previous);
    }
  }

  private Settings settings(String endpoint, String writeKey) {
    BeaconBuilder b =
        Beacon.builder("acme")
            .endpoint(URI.create(endpoint))
            .environment(Map.of())
            .systemProperties(new java.util.Properties())
            .stateDirectory(tmp.resolve("state"));
    if (writeKey != null) {
      b.writeKey(writeKey);
    }
    return TestBeacons.settings(b);
  }

  private static List<java.util.logging.LogRecord> cleartext(
      List<java.util.logging.LogRecord> records) {
    List<java.util.logging.LogRecord> found = new java.util.ArrayList<>();
    for (java.util.logging.LogRecord r : records) {
      if (r.getMessage() != null && r.getMessage().contains("travels in clear")) {
        found.add(r);
      }
    }
    return found;
  }

  @Test
  void backoffGrowsWithJitterAndNeverShortensRetryAfter() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
    long first = b.nextDelayMillis(0);
    long second = b.nextDelayMillis(0);
    long third = b.nextDelayMillis(0);
    assertThat(first).isBetween(500L, 1000L);
    assertThat(second).isBetween(1000L, 2000L);
    assertThat(third).isBetween(2000L, 4000L);
    for (int i = 0; i < 20; i++) {
      assertThat(b.nextDelayMillis(0)).isLessThanOrEqualTo(60_000L);
    }
    assertThat(b.nextDelayMillis(30_000)).isBetween(30_000L, 33_000L);
    b.reset();
    assertThat(b.nextDelayMillis(0)).isBetween(500L, 1000L);
  }

  @Test
  void requestsGoThroughTheJvmsProxySelector() {
    ProxySelector previous = ProxySelector.getDefault();
    try (TestCollector proxy = TestCollector.start()) {
      // The endpoint's host does not resolve: the request can only arrive through the proxy.
      ProxySelector.setDefault(
          ProxySelector.of(new InetSocketAddress("127.0.0.1", proxy.uri().getPort())));
      Beacon beacon =
          TestBeacons.builder(tmp.resolve("state"), URI.create("http://telemetry.invalid")).build();
      SendResult result = beacon.control().sendReportNow();
      beacon.close();
      assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
      assertThat(proxy.delivered()).hasSize(1);
      assertThat(proxy.delivered().get(0).path()).isEqualTo("/v1/batch");
    } finally {
      ProxySelector.setDefault(previous);
    }
  }

  @Test
  void closeWithABlackHoledEndpointReturnsPromptlyAndSpoolsWhatIsLeft() throws Exception {
    try (Endpoints.BlackHole hole = new Endpoints.BlackHole()) {
      Beacon beacon =
          TestBeacons.builder(tmp.resolve("state"), hole.uri())
              .requestTimeout(Duration.ofSeconds(30))
              .flushInterval(Duration.ofHours(1))
              .initialDelay(Duration.ofHours(1))
              .build();
      beacon.start();
      for (int i = 0; i < 50; i++) {
        beacon.track("queued", Map.of("i", i));
      }
      // The bound catches a close() that waits for the 30 s request timeout; the budget is 800 ms.
      assertTimeoutPreemptively(Duration.ofSeconds(5), beacon::close);
      assertThat(Spool.messagesIn(beacon.pipeline().spool().pending().get(0))).isEqualTo(50);
      assertThat(beacon.pipeline().queued()).isZero();
      beacon.track("after_close", Map.of());
      assertThat(beacon.pipeline().queued()).isZero();
    }
  }
}
