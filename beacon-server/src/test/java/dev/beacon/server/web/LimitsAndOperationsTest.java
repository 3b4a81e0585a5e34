package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.SendResult;
import dev.beacon.sdk.TelemetryMode;
import dev.beacon.server.storage.StoredEvent;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LimitsAndOperationsTest {
  @TempDir Path data;

  private static String track(String id) {
    return "{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a\",\"messageId\":\""
        + id
        + "\"}";
  }

  @Test
  void aWriteKeyOverItsRateIsAnswered429WithRetryAfter() {
    try (TestServer s =
        TestServer.start(
            data,
            Map.of(
                "BEACON_LIMITS__REQUESTS_PER_SECOND_PER_KEY", "0.01",
                "BEACON_LIMITS__BURST_PER_KEY", "2"))) {
      assertThat(s.post("/v1/track", track("1")).status()).isEqualTo(200);
      assertThat(s.post("/v1/track", track("2")).status()).isEqualTo(200);
      TestServer.Response limited = s.post("/v1/track", track("3"));
      assertThat(limited.status()).isEqualTo(429);
      assertThat(limited.json().get("error").asText()).isEqualTo("rate_limited");
      assertThat(Long.parseLong(limited.header("Retry-After"))).isPositive();
      assertThat(s.server.store().count("acme")).isEqualTo(2);
    }
  }

  @Test
  void aFullWriterQueueIsAnswered503WithRetryAfterInsteadOfGrowingMemory() {
    try (TestServer s = TestServer.start(data, Map.of("BEACON_WRITER__MAX_QUEUED_EVENTS", "100"))) {
      StringBuilder batch = new StringBuilder("{\"batch\":[");
      for (int i = 0; i < 150; i++) {
        batch.append(i == 0 ? "" : ",").append(track("m" + i));
      }
      TestServer.Response r = s.post("/v1/batch", batch.append("]}").toString());
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.json().get("error").asText()).isEqualTo("writer_full");
      assertThat(r.header("Retry-After")).isEqualTo("1");
      assertThat(s.server.store().count("acme")).isZero();
      assertThat(s.post("/v1/track", track("after")).status()).isEqualTo(200);
    }
  }

  @Test
  void aBatchAnswersPerEventAndAQuarantinedEventCanBeReplayed() {
    try (TestServer s = TestServer.start(data)) {
      TestServer.Response r =
          s.post(
              "/v1/batch",
              "{\"batch\":["
                  + track("ok")
                  + ",{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a\",\"messageId\":\"bad\","
                  + "\"timestamp\":\"yesterday\",\"userId\":\"jane@example.com\"}]}");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
      assertThat(r.json().at("/rejected/0/index").asInt()).isEqualTo(1);
      assertThat(r.json().at("/rejected/0/messageId").asText()).isEqualTo("bad");
      assertThat(r.json().at("/rejected/0/reason").asText())
          .isEqualTo("timestamp is not ISO-8601: 'yesterday'");
      long id = r.json().at("/rejected/0/quarantineId").asLong();

      String admin = TestServer.basic("admin", TestServer.ADMIN_PASSWORD);
      TestServer.Response q = s.get("/api/v1/products/acme/quarantine", admin);
      assertThat(q.status()).isEqualTo(200);
      assertThat(q.json().at("/events/0/reason").asText()).contains("ISO-8601");
      assertThat(q.json().at("/events/0/raw").asText())
          .contains("yesterday")
          .doesNotContain("jane@example.com");

      // Not fixed yet: the replay says why, and the event stays in quarantine.
      TestServer.Response again =
          s.post(
              "/api/v1/products/acme/quarantine/" + id + "/replay",
              new byte[0],
              "Authorization",
              admin);
      assertThat(again.status()).isEqualTo(422);
      assertThat(s.server.store().quarantinedEvent("acme", id)).isPresent();
      assertThat(
              s.post(
                      "/api/v1/products/acme/quarantine/999999/replay",
                      new byte[0],
                      "Authorization",
                      admin)
                  .status())
          .isEqualTo(404);
    }
  }

  @Test
  void anAncientTimestampIsRefusedAloneAndAFloodOfInvalidEventsIsKeptOnlyInPart() {
    try (TestServer s = TestServer.start(data)) {
      TestServer.Response r =
          s.post(
              "/v1/batch",
              "{\"batch\":["
                  + track("fine")
                  + ",{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a\","
                  + "\"timestamp\":\"-300000-01-01T00:00:00Z\"}]}");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
      assertThat(r.json().at("/rejected/0/reason").asText()).contains("is before 2000-01-01");
      assertThat(s.post("/v1/track", track("still-fine")).status()).isEqualTo(200);

      StringBuilder flood = new StringBuilder("{\"batch\":[");
      for (int i = 0; i < 150; i++) {
        flood.append(i == 0 ? "" : ",").append("{\"type\":\"nonsense\",\"anonymousId\":\"a\"}");
      }
      TestServer.Response f = s.post("/v1/batch", flood.append("]}").toString());
      assertThat(f.status()).isEqualTo(400);
      assertThat(f.json().get("rejected").size()).isEqualTo(150);
      assertThat(f.json().at("/rejected/149/reason").asText()).contains("not kept: at most 100");
      assertThat(s.server.store().quarantined("acme", 1000)).hasSize(101);
    }
  }

  @Test
  void personalDataSegmentClientsMaySendIsNotStored() {
    try (TestServer s = TestServer.start(data)) {
      TestServer.Response r =
          s.post(
              "/v1/track",
              "{\"type\":\"track\",\"event\":\"login\",\"anonymousId\":\"a1\","
                  + "\"userId\":\"jane@example.com\",\"traits\":{\"email\":\"jane@example.com\"},"
                  + "\"context\":{\"ip\":\"203.0.113.7\",\"library\":{\"name\":\"x\"}}}");
      assertThat(r.status()).isEqualTo(200);
      StoredEvent e = s.server.store().events("acme", 1).get(0);
      assertThat(e.toString()).doesNotContain("jane@example.com").doesNotContain("203.0.113.7");
      assertThat(e.context()).contains("\"library\"");
      assertThat(e.installationId()).isEqualTo("a1");
    }
  }

  @Test
  void healthReadinessAndMetricsAreServed() {
    try (TestServer s = TestServer.start(data)) {
      s.post("/v1/track", track("m"));
      s.post("/v1/track", "{");
      assertThat(s.get("/healthz", null).status()).isEqualTo(200);
      assertThat(s.get("/readyz", null).json().get("status").asText()).isEqualTo("ready");
      String metrics =
          s.get("/metrics", TestServer.basic("admin", TestServer.ADMIN_PASSWORD)).body();
      assertThat(metrics)
          .contains(
              "beacon_ingest_events_total{product=\"acme\",protocol=\"segment\",result=\"accepted\"} 1.0")
          .contains("beacon_refused_requests_total{code=\"invalid_json\",reason=\"malformed\"} 1.0")
          .contains("beacon_writer_queued_events")
          .contains("beacon_commit_seconds")
          .contains("beacon_dedup_window_ids 1.0")
          .containsPattern("(?m)^beacon_dedup_window_bytes [1-9]");
    }
  }

  /** L5: /metrics, which names every product and its volumes, answered anyone. */
  @Test
  void metricsNeedTheMetricsTokenOrTheAdminsCredentials_L5() {
    String token = "metrics-token-0123456789";
    try (TestServer s = TestServer.start(data, Map.of("BEACON_METRICS__TOKEN", token))) {
      s.post("/v1/track", track("m"));
      TestServer.Response anonymous = s.get("/metrics", null);
      assertThat(anonymous.status()).isEqualTo(401);
      assertThat(anonymous.body()).doesNotContain("acme");
      assertThat(s.get("/metrics", "Bearer wrong-token-0123456789").status()).isEqualTo(401);
      assertThat(s.get("/metrics", TestServer.basic("admin", "guess")).status()).isEqualTo(401);

      TestServer.Response scraped = s.get("/metrics", "Bearer " + token);
      assertThat(scraped.status()).isEqualTo(200);
      assertThat(scraped.header("Content-Type")).startsWith("text/plain");
      assertThat(scraped.body())
          .contains(
              "beacon_ingest_events_total{product=\"acme\",protocol=\"segment\",result=\"accepted\"} 1.0");
      assertThat(s.get("/metrics", TestServer.basic("admin", TestServer.ADMIN_PASSWORD)).status())
          .isEqualTo(200);
    }
  }

  @Test
  void metricsCanBeTurnedOffAndAShortTokenIsRefused_L5() {
    try (TestServer s = TestServer.start(data, Map.of("BEACON_METRICS__ENABLED", "false"))) {
      assertThat(s.get("/metrics", TestServer.basic("admin", TestServer.ADMIN_PASSWORD)).status())
          .isEqualTo(404);
    }
    assertThatThrownBy(() -> TestServer.config(data, Map.of("BEACON_METRICS__TOKEN", "short")))
        .hasMessageContaining("metrics.token is shorter than 16 characters");
  }

  /** L3: /readyz answered 200 after the only writer thread had ended (an Error, an interrupt). */
  @Test
  void readinessFailsAndIngestFailsFastOnceTheWriterThreadHasDied_L3() {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    try (TestServer s = TestServer.start(data)) {
      Thread writer =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> t.getName().equals("beacon-writer") && !before.contains(t))
              .findFirst()
              .orElseThrow();
      assertThat(s.get("/readyz", null).status()).isEqualTo(200);
      assertThat(s.post("/v1/track", track("before")).status()).isEqualTo(200);

      writer.interrupt(); // ends its loop, as an Error would
      await().atMost(Duration.ofSeconds(20)).until(() -> !writer.isAlive());

      TestServer.Response ready = s.get("/readyz", null);
      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.json().get("status").asText()).isEqualTo("writer stopped");
      TestServer.Response refused = s.post("/v1/track", track("after"));
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.json().get("error").asText()).isEqualTo("writer_stopped");
      assertThat(refused.header("Retry-After")).isEqualTo("30");
      assertThat(s.server.store().count("acme")).isEqualTo(1);
    }
  }

  @Test
  void theBeaconSdkReportsToTheRealServer() {
    try (TestServer s = TestServer.start(data)) {
      Beacon beacon =
          Beacon.builder("acme")
              .version("2.3.4")
              .endpoint(URI.create(s.server.url()))
              .writeKey(TestServer.ACME_KEY)
              .stateDirectory(data.resolve("sdk-state"))
              .registerMBean(false)
              .section("features", () -> Map.of("rules", 3))
              .build();
      SendResult result = beacon.control().sendReportNow();
      beacon.close();
      if (beacon.control().status().mode() == TelemetryMode.OFF) {
        return; // DO_NOT_TRACK on this machine: the SDK rightly sent nothing
      }
      assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
      List<StoredEvent> events = s.server.store().events("acme", 10);
      assertThat(events).hasSize(1);
      StoredEvent e = events.get(0);
      assertThat(e.type()).isEqualTo("report");
      assertThat(e.version()).isEqualTo("2.3.4");
      assertThat(e.os()).isNotBlank();
      assertThat(e.runtime()).startsWith("jvm ");
      assertThat(e.library()).isEqualTo("beacon-sdk");
      assertThat(e.properties()).contains("\"features\":{\"rules\":3}");
      assertThat(e.context()).contains("droppedEvents");
    }
  }
}
