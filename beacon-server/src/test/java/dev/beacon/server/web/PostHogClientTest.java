package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.posthog.server.PostHog;
import com.posthog.server.PostHogCaptureOptions;
import com.posthog.server.PostHogConfig;
import com.posthog.server.PostHogInterface;
import dev.beacon.server.storage.QuarantinedEvent;
import dev.beacon.server.storage.StoredEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostHog's own JVM client ({@code com.posthog:posthog-server}), unmodified, pointed at Beacon by
 * its host alone: its batches are stored with PostHog's fields mapped, its person properties and
 * addresses dropped, an e-mail distinct id never stored, and it sends each batch once (a refusal or
 * an error would make it send again, which the duplicate counter would show).
 */
class PostHogClientTest {
  @TempDir Path data;

  @Test
  void posthogServerCapturesAreStoredWithoutPersonData() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      PostHogInterface posthog =
          PostHog.with(
              new PostHogConfig.Builder(TestServer.ACME_KEY)
                  .host(s.server.url())
                  .flushAt(100)
                  .flushIntervalSeconds(3600)
                  .preloadFeatureFlags(false)
                  .build());
      Instant before = Instant.now().minusSeconds(5);
      for (int i = 0; i < 4; i++) {
        posthog.capture(
            "inst-" + (i % 2),
            "job_finished",
            new PostHogCaptureOptions.Builder()
                .property("jobs", i)
                .property("kind", "nightly")
                .property("$ip", "10.1.2.3")
                .property("$current_url", "https://ops.acme.example/jobs/42")
                .property("$os", "Linux")
                .property("$app_version", "4.2.0")
                .userProperty("email", "ops@acme.example")
                .build());
      }
      posthog.identify("ops@acme.example", Map.of("name", "Olga Ops"));
      List<StoredEvent> events = awaitEvents(s, 4, posthog::flush);
      assertThat(events).hasSize(4);
      for (StoredEvent e : events) {
        assertThat(e.event()).isEqualTo("job_finished");
        assertThat(e.type()).isEqualTo("track");
        assertThat(e.installationId()).isIn("inst-0", "inst-1");
        assertThat(e.version()).isEqualTo("4.2.0");
        assertThat(e.os()).isEqualTo("Linux");
        assertThat(e.library()).startsWith("posthog");
        assertThat(e.timestamp()).isAfter(before).isBefore(Instant.now().plusSeconds(5));
        JsonNode p = TestServer.JSON.readTree(e.properties());
        assertThat(p.path("kind").asText()).isEqualTo("nightly");
        assertThat(p.has("jobs")).isTrue();
        assertThat(e.properties() + e.context())
            .doesNotContain("10.1.2.3")
            .doesNotContain("ops.acme.example")
            .doesNotContain("Olga")
            .doesNotContain("$set")
            .doesNotContain(TestServer.ACME_KEY);
      }
      assertThat(events)
          .extracting(StoredEvent::messageId)
          .doesNotHaveDuplicates()
          .allMatch(id -> id.length() == 36);
      // The identify with an e-mail as its distinct id: refused, kept without the address. The
      // client may send it in a later request than the captures: flush until it is in.
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> {
                posthog.flush();
                return !s.server.store().quarantined("acme", 10).isEmpty();
              });
      List<QuarantinedEvent> refused = s.server.store().quarantined("acme", 10);
      assertThat(refused).hasSize(1);
      assertThat(refused.get(0).reason()).contains("e-mail");
      assertThat(refused.get(0).raw()).doesNotContain("ops@acme.example").doesNotContain("Olga");

      Thread.sleep(1500); // a client that saw an error would have sent again by now
      posthog.close();
      String metrics =
          s.get("/metrics", TestServer.basic("admin", TestServer.ADMIN_PASSWORD)).body();
      assertThat(metrics)
          .contains(
              "beacon_ingest_events_total{product=\"acme\",protocol=\"posthog\",result=\"accepted\"}"
                  + " 4.0")
          .contains(
              "beacon_ingest_events_total{product=\"acme\",protocol=\"posthog\",result=\"duplicate\"}"
                  + " 0.0");
      assertThat(s.server.store().count("acme")).isEqualTo(4);
    }
  }

  /**
   * Waits for {@code n} events, asking the client to flush every half second: posthog-server skips
   * a flush asked for while one is under way, and may have sent the first events on their own.
   */
  static List<StoredEvent> awaitEvents(TestServer s, int n, Runnable flush)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    List<StoredEvent> events = s.server.store().events("acme", 1000);
    for (int i = 0; events.size() < n && Instant.now().isBefore(deadline); i++) {
      if (i % 10 == 0) {
        flush.run();
      }
      Thread.sleep(50);
      events = s.server.store().events("acme", 1000);
    }
    return events.stream().sorted(Comparator.comparing(StoredEvent::messageId)).toList();
  }
}
