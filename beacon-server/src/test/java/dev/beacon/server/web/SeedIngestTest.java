package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.GoldenPayloads;
import dev.beacon.server.storage.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed products' payloads go in unchanged and come out mapped onto the one event model. */
class SeedIngestTest {
  @TempDir Path data;

  @Test
  void emqxReportsOfBothGenerationsAreStoredAsReports() {
    try (TestServer s = TestServer.start(data)) {
      for (GoldenPayloads p : List.of(GoldenPayloads.EMQX_5_REPORT, GoldenPayloads.EMQX_4_REPORT)) {
        TestServer.Response r = s.post("/api/telemetry", p.json().getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
      }
      List<StoredEvent> events = s.server.store().events("emqx", 10);
      assertThat(events).hasSize(2);
      StoredEvent v5 =
          events.stream().filter(e -> "5.0.9".equals(e.version())).findFirst().orElseThrow();
      assertThat(v5.type()).isEqualTo("report");
      assertThat(v5.installationId()).isEqualTo("5EAAF3C2-6186-11ED-AD7C-D5AAB80CED2E");
      assertThat(v5.clusterId()).isEqualTo("5EAAF818-6186-11ED-AC1D-3DFDC18ED1BB");
      assertThat(v5.os()).isEqualTo("macOS");
      assertThat(v5.arch()).isEqualTo("x86_64-apple-darwin20.6.0");
      assertThat(v5.runtime()).isEqualTo("otp 24");
      assertThat(v5.properties()).contains("\"mqtt_runtime_insights\"");
      StoredEvent v4 =
          events.stream().filter(e -> "4.2-rc.1".equals(e.version())).findFirst().orElseThrow();
      assertThat(v4.os()).isEqualTo("Ubuntu");
      assertThat(v4.properties()).contains("emqx_mod_presence");

      JsonNode summary = s.summary("emqx", 30);
      assertThat(summary.get("active_installations").asLong()).isEqualTo(2);
      assertThat(summary.get("events").asLong()).isEqualTo(2);
      assertThat(summary.get("versions").toString())
          .isEqualTo(
              "[{\"version\":\"4.2-rc.1\",\"installations\":1},{\"version\":\"5.0.9\",\"installations\":1}]");
      assertThat(summary.get("os").toString())
          .isEqualTo(
              "[{\"name\":\"Ubuntu\",\"installations\":1},{\"name\":\"macOS\",\"installations\":1}]");
    }
  }

  @Test
  void aResentEmqxReportIsStoredOnce() {
    try (TestServer s = TestServer.start(data)) {
      byte[] body = GoldenPayloads.EMQX_5_REPORT.json().getBytes(StandardCharsets.UTF_8);
      assertThat(s.post("/api/telemetry", body).json().get("accepted").asInt()).isEqualTo(1);
      TestServer.Response again = s.post("/api/telemetry", body);
      assertThat(again.json().get("duplicates").asInt()).isEqualTo(1);
      assertThat(s.server.store().count("emqx")).isEqualTo(1);
    }
  }

  @Test
  void dcosSignalBatchIsStoredAsOneTrackEventPerSource() {
    // The seed's events are from 2017: a retention of 400 days would refuse them (they would be
    // deleted at once), so this server keeps everything.
    try (TestServer s = TestServer.start(data, Map.of("BEACON_RETENTION__DAYS", "0"))) {
      TestServer.Response r = s.post("/v1/batch", GoldenPayloads.DCOS_SIGNAL_BATCH.json());
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.json().get("accepted").asInt()).isEqualTo(3);
      List<StoredEvent> events =
          s.server.store().events("acme", 10).stream()
              .sorted(Comparator.comparing(StoredEvent::event))
              .toList();
      assertThat(events)
          .extracting(StoredEvent::event)
          .containsExactly("health", "mesos_track", "package_list");
      assertThat(events)
          .allSatisfy(
              e -> {
                assertThat(e.type()).isEqualTo("track");
                assertThat(e.installationId()).isEqualTo("70b28f00-e38f-41b2-a723-aab344f535b9");
                assertThat(e.clusterId()).isEqualTo("70b28f00-e38f-41b2-a723-aab344f535b9");
                assertThat(e.version()).isEqualTo("1.8");
                assertThat(e.library()).isEqualTo("dcos-signal");
              });
      assertThat(events.get(0).properties())
          .contains("\"health-unit-dcos-marathon-service-unhealthy\":0");
      assertThat(events.get(0).timestamp()).hasToString("2017-11-20T10:00:01Z");
      JsonNode summary = s.summary("acme", 3650);
      assertThat(summary.get("active_installations").asLong()).isEqualTo(1);
      assertThat(summary.get("events").asLong()).isEqualTo(3);
      assertThat(summary.get("versions").toString())
          .isEqualTo("[{\"version\":\"1.8\",\"installations\":1}]");
    }
  }
}
