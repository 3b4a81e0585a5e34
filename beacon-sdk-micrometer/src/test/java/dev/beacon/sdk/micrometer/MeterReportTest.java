package dev.beacon.sdk.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.TestBeacons;
import dev.beacon.sdk.TestCollector;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The meters as the SDK sends them: over real HTTP, and in the operator's log file. */
class MeterReportTest {
  @TempDir Path state;

  @Test
  void theReportCarriesTheAllowedMetersAndNothingElseOnTheWireAndInTheLogFile() throws Exception {
    Path log = state.resolve("telemetry.log");
    CompositeMeterRegistry app = new CompositeMeterRegistry(); // Spring's, or Metrics.global...
    app.add(new SimpleMeterRegistry());
    BeaconMeterRegistry meters =
        BeaconMeterRegistry.builder()
            .meters("http.server.requests", "cache.*")
            .tags("status")
            .build();
    app.add(meters); // meters registered before and after are both seen
    app.counter("cache.gets", "cache", "users-of-tenant-acme").increment(3);
    Timer requests = app.timer("http.server.requests", "status", "200", "uri", "/users/alice");
    requests.record(Duration.ofMillis(12));
    app.counter("logins", "user", "bob@example.com").increment();
    Metrics.globalRegistry.counter("global.only").increment(); // another registry: never seen

    try (TestCollector collector = TestCollector.start();
        Beacon beacon =
            TestBeacons.builder(state.resolve("state"), collector.uri())
                .logFile(log)
                .reportSection("meters", meters.section())
                .build()) {
      beacon.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> !collector.delivered().isEmpty());
      String wire = collector.delivered().get(0).body();
      JsonNode report = collector.messages().get(0);
      assertThat(report.get("type").asText()).isEqualTo("report");
      JsonNode m = report.at("/properties/meters");
      assertThat(m.at("/cache_gets/type").asText()).isEqualTo("counter");
      assertThat(m.at("/cache_gets/rate").asDouble()).isPositive();
      assertThat(m.at("/http_server_requests/count").asLong()).isEqualTo(1);
      assertThat(m.at("/http_server_requests/max_ms").asDouble()).isEqualTo(12.0);
      assertThat(m.at("/http_server_requests/by_tags/0/tags"))
          .isEqualTo(TestCollector.JSON.valueToTree(Map.of("status", "200")));
      assertThat(m.at("/window_seconds").asDouble()).isPositive();

      await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(log));
      String logged = Files.readString(log, StandardCharsets.UTF_8);
      for (String text : new String[] {wire, logged}) {
        assertThat(text)
            .contains("http_server_requests")
            .doesNotContain("logins", "bob@", "alice", "/users", "uri", "tenant", "global_only");
      }
    }
  }
}
