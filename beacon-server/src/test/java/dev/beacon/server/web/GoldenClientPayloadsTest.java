package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.GoldenPayloads;
import dev.beacon.server.storage.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden payloads of the clients Beacon takes over (beacon-protocol's {@link GoldenPayloads}),
 * posted as those clients post them: each is stored with its mapping, and nothing identifying that
 * the client put in it is kept. Retention is off, so the payloads' fixed times stay acceptable.
 */
class GoldenClientPayloadsTest {
  private static final String KEY = TestServer.ACME_KEY;
  @TempDir Path data;

  private TestServer start() {
    return TestServer.start(data, Map.of("BEACON_RETENTION__DAYS", "0"));
  }

  @Test
  void werfSpanAsProtobufAndAsJsonIsOneCommandEvent() throws Exception {
    try (TestServer s = start()) {
      TestServer.Response protobuf =
          s.post(
              "/v1/traces",
              GoldenPayloads.WERF_SPAN_PROTOBUF.bytes(),
              "Authorization",
              "Bearer " + KEY,
              "Content-Type",
              "application/x-protobuf");
      assertThat(protobuf.status()).isEqualTo(200);
      TestServer.Response json =
          s.post(
              "/v1/traces",
              GoldenPayloads.WERF_SPAN_JSON.json().getBytes(StandardCharsets.UTF_8),
              "Authorization",
              "Bearer " + KEY);
      assertThat(json.status()).as(json.body()).isEqualTo(200);
      assertThat(json.body()).doesNotContain("partialSuccess");
      // The same span both times (same trace and span id): stored once.
      List<StoredEvent> events = s.server.store().events("acme", 10);
      assertThat(events).hasSize(1);
      StoredEvent e = events.get(0);
      assertThat(e.event()).isEqualTo("CommandStarted");
      assertThat(e.installationId()).isEqualTo("c2b0d5a4-9f1e-4f7a-8a8e-2d6f3b1c9e70");
      assertThat(e.version()).isEqualTo("v2.31.0");
      assertThat(e.timestamp().toEpochMilli()).isEqualTo(1764583200000L);
      JsonNode p = TestServer.JSON.readTree(e.properties());
      assertThat(p.path("command").asText()).isEqualTo("werf converge");
      assertThat(p.path("eventData").path("options")).hasSize(2);
      assertThat(e.properties() + e.context())
          .doesNotContain("5e0f4b5c1b8a4c6e")
          .doesNotContain("b4c2d019070529344a69");
    }
  }

  @Test
  void posthogJsGzipBatchIsStoredWithoutThePageOrTheUser() throws Exception {
    try (TestServer s = start()) {
      TestServer.Response r =
          s.post(
              "/e/?ver=1.449.2&_=1796234547785",
              GoldenPayloads.POSTHOG_JS_BATCH_GZIP.bytes(),
              "Content-Type",
              "text/plain");
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      List<StoredEvent> events = s.server.store().events("acme", 10);
      assertThat(events)
          .extracting(StoredEvent::event)
          .containsExactlyInAnyOrder("report_exported", "after_identify");
      StoredEvent e =
          events.stream().filter(x -> x.event().equals("report_exported")).findFirst().get();
      assertThat(e.messageId()).isEqualTo("01a237ec-065a-794e-898c-7215976f0fdd");
      assertThat(e.installationId()).isEqualTo("01a237ec-064f-7240-be7b-f0da69c5e1e0");
      assertThat(e.library()).isEqualTo("web");
      assertThat(e.os()).isEqualTo("Linux");
      JsonNode p = TestServer.JSON.readTree(e.properties());
      assertThat(p.path("rows").asInt()).isEqualTo(120);
      assertThat(p.path("$browser").asText()).isEqualTo("Chrome");
      JsonNode c = TestServer.JSON.readTree(e.context());
      assertThat(c.path("library").path("version").asText()).isEqualTo("1.449.2");
      assertThat(c.path("screen").path("width").asInt()).isEqualTo(800);
      assertThat(events.get(0).installationId()).isEqualTo(events.get(1).installationId());
      assertThat(events.get(0).properties() + events.get(1).properties() + e.context())
          .doesNotContain("user-42")
          .doesNotContain("127.0.0.1")
          .doesNotContain("posthog.html")
          .doesNotContain("Mozilla")
          .doesNotContain("$session_id")
          .doesNotContain(KEY);
    }
  }

  @Test
  void analyticsJsPageCallKeepsTheNameNotTheLocation() throws Exception {
    try (TestServer s = start()) {
      TestServer.Response r =
          s.post(
              "/v1/p",
              GoldenPayloads.ANALYTICS_JS_PAGE.json().getBytes(StandardCharsets.UTF_8),
              "Content-Type",
              "text/plain");
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      List<StoredEvent> events = s.server.store().events("acme", 10);
      assertThat(events).hasSize(1);
      StoredEvent e = events.get(0);
      assertThat(e.type()).isEqualTo("page");
      assertThat(e.installationId()).isEqualTo("3aa9d534-6d1e-46be-9d80-c94f2c43d524");
      assertThat(e.library()).isEqualTo("analytics.js");
      assertThat(TestServer.JSON.readTree(e.properties()).path("name").asText())
          .isEqualTo("Settings");
      assertThat(e.properties() + e.context())
          .doesNotContain("127.0.0.1")
          .doesNotContain("segment.html")
          .doesNotContain("Vendor UI")
          .doesNotContain("Mozilla")
          .doesNotContain(KEY);
    }
  }
}
