package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
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
    assertThat(HttpExporter.classify(401, null).kind).isEqualTo(HttpExporter.Outcome.Kind.REJECTED);
    assertThat(HttpExporter.classify(202, null).kind)
        .isEqualTo(HttpExporter.Outcome.Kind.DELIVERED);
    assertThat(HttpExporter.retryAfterMillis("Wed, 21 Oct 2015 07:28:00 GMT")).isZero();
    assertThat(HttpExporter.retryAfterMillis("soon")).isZero();
    assertThat(HttpExporter.classify(301, null).kind).isEqualTo(HttpExporter.Outcome.Kind.RETRY);
    assertThat(HttpExporter.classify(308, null).detail).contains("not followed");
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
