package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.beacon.sdk.internal.delivery.SpoolProbe;
import java.net.InetAddress;
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
      assertThat(TestBeacons.spool(beacon).pending()).isEmpty();
    }
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
      assertThat(TestBeacons.spool(beacon).pending()).hasSize(1);

      beacon.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.attemptMillis().size() >= 3);
      List<Long> attempts = collector.attemptMillis();
      for (int i = 1; i < 3; i++) {
        // The longest backoff (1 s) with equal jitter: at least half of it, never the 10 ms base.
        assertThat(attempts.get(i) - attempts.get(i - 1)).isGreaterThanOrEqualTo(450);
      }
      assertThat(TestBeacons.spool(beacon).pending()).isNotEmpty();
      assertThat(beacon.droppedEvents()).isZero();

      collector.answer(200, null);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> TestBeacons.spool(beacon).pending().isEmpty());
      beacon.close();
      assertThat(collector.messages()).isNotEmpty();
      assertThat(collector.messages().get(0).get("type").asText()).isEqualTo("report");
    }
  }

  @Test
  void requestsGoThroughTheJvmsProxySelector() {
    ProxySelector previous = ProxySelector.getDefault();
    try (TestCollector proxy = TestCollector.start()) {
      // The endpoint's host does not resolve: the request can only arrive through the proxy.
      ProxySelector.setDefault(
          ProxySelector.of(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.uri().getPort())));
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
      assertThat(SpoolProbe.messagesIn(TestBeacons.spool(beacon).pending().get(0))).isEqualTo(50);
      assertThat(TestBeacons.pipeline(beacon).queued()).isZero();
      beacon.track("after_close", Map.of());
      assertThat(TestBeacons.pipeline(beacon).queued()).isZero();
    }
  }
}
