package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI relay trusts nothing of the page: only route templates and small snake-case events
 * pass, under the backend's installation id and consent, into the backend's own delivery and log
 * file; everything a hostile page could craft is refused whole.
 */
class UiRelayTest {
  private static final String TEXT = "text/plain;charset=UTF-8";
  @TempDir Path tmp;

  private static InputStream body(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String request(String events) {
    return "{\"v\":1,\"tab\":\"9f3a61c2e0b4d775\",\"events\":[" + events + "]}";
  }

  @Test
  void pageViewsAndEventsGoOutAsTheBackendsUnderItsInstallation() throws Exception {
    Path log = tmp.resolve("telemetry.jsonl");
    try (TestCollector collector = TestCollector.start();
        Beacon beacon =
            TestBeacons.builder(tmp.resolve("s"), collector.uri()).logFile(log).build()) {
      beacon.start();
      int status =
          beacon
              .uiRelay()
              .accept(
                  TEXT,
                  body(
                      request(
                          "{\"t\":\"page\",\"r\":\"/services/[id]\"},"
                              + "{\"t\":\"page\",\"r\":\"/nodes\"},"
                              + "{\"t\":\"track\",\"e\":\"login\"},"
                              + "{\"t\":\"track\",\"e\":\"export_done\",\"p\":{\"format\":\"csv\","
                              + "\"rows\":12,\"ok\":true}}")));
      assertThat(status).isEqualTo(204);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> collector.messages().stream().filter(this::ui).count() == 4);
      List<JsonNode> ui = collector.messages().stream().filter(this::ui).toList();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  collector.messages().stream()
                      .anyMatch(m -> m.path("type").asText().equals("report")));
      String installation =
          collector.messages().stream()
              .filter(m -> m.path("type").asText().equals("report"))
              .findFirst()
              .get()
              .path("anonymousId")
              .asText();
      for (JsonNode m : ui) {
        assertThat(m.path("anonymousId").asText()).isEqualTo(installation);
        assertThat(m.path("context").path("library").path("name").asText()).isEqualTo("beacon-js");
      }
      assertThat(ui.get(0).path("type").asText()).isEqualTo("page");
      assertThat(ui.get(0).path("name").asText()).isEqualTo("/services/[id]");
      assertThat(ui.get(0).path("properties").path("route").asText()).isEqualTo("/services/[id]");
      assertThat(ui.get(2).path("event").asText()).isEqualTo("login");
      assertThat(ui.get(3).path("properties").path("rows").asInt()).isEqualTo(12);
      // The operator sees them in the backend's log file too.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Files.exists(log) && Files.readString(log).contains("/services/[id]"));
    }
  }

  private boolean ui(JsonNode m) {
    return m.path("context").path("library").path("name").asText().equals("beacon-js");
  }

  @Test
  void whatAHostilePageCraftsIsRefusedWholeAndNothingIsSent() throws Exception {
    try (TestCollector collector = TestCollector.start();
        Beacon beacon = TestBeacons.builder(tmp.resolve("s"), collector.uri()).build()) {
      beacon.start();
      UiRelay relay = beacon.uiRelay();
      Map<String, Integer> cases =
          Map.ofEntries(
              Map.entry(request("{\"t\":\"page\",\"r\":\"https://app.example/services/7\"}"), 400),
              Map.entry(request("{\"t\":\"page\",\"r\":\"/services/12345\"}"), 400),
              Map.entry(request("{\"t\":\"page\",\"r\":\"/users/olga@acme.example\"}"), 400),
              Map.entry(request("{\"t\":\"page\",\"r\":\"/search?q=olga\"}"), 400),
              Map.entry(request("{\"t\":\"page\",\"r\":\"/a#token=x\"}"), 400),
              Map.entry(
                  request("{\"t\":\"page\",\"r\":\"/s/3f2b8c1e-4d5a-4e6f-9a0b-1c2d3e4f5a6b\"}"),
                  400),
              Map.entry(request("{\"t\":\"page\",\"r\":\"/../etc\"}"), 400),
              Map.entry(request("{\"t\":\"page\",\"r\":\"/ok\",\"title\":\"Olga's page\"}"), 400),
              Map.entry(request("{\"t\":\"track\",\"e\":\"Login With Email\"}"), 400),
              Map.entry(request("{\"t\":\"track\",\"e\":\"report\"}"), 400),
              Map.entry(
                  request(
                      "{\"t\":\"track\",\"e\":\"login\",\"p\":{\"email\":\"olga@acme.example\"}}"),
                  400),
              Map.entry(
                  request(
                      "{\"t\":\"track\",\"e\":\"login\",\"p\":{\"url\":\"https://x.example/a\"}}"),
                  400),
              Map.entry(
                  request(
                      "{\"t\":\"track\",\"e\":\"login\",\"p\":{\"user\":\"a8f5f167f44f4964e6c998dee827110c\"}}"),
                  400),
              Map.entry(
                  request("{\"t\":\"track\",\"e\":\"login\",\"p\":{\"n\":{\"deep\":1}}}"), 400),
              Map.entry(request("{\"t\":\"identify\",\"e\":\"login\"}"), 400),
              Map.entry(
                  "{\"v\":2,\"tab\":\"9f3a61c2e0b4d775\",\"events\":[{\"t\":\"page\",\"r\":\"/a\"}]}",
                  400),
              Map.entry(
                  "{\"v\":1,\"tab\":\"olga\",\"events\":[{\"t\":\"page\",\"r\":\"/a\"}]}", 400),
              Map.entry(request(""), 400),
              Map.entry("[1,2,3]", 400),
              Map.entry("{\"v\":1,", 400),
              Map.entry("[".repeat(5000), 400));
      for (Map.Entry<String, Integer> c : cases.entrySet()) {
        assertThat(relay.accept(TEXT, body(c.getKey()))).as(c.getKey()).isEqualTo(c.getValue());
      }
      StringBuilder many = new StringBuilder();
      for (int i = 0; i < 21; i++) {
        many.append(i == 0 ? "" : ",").append("{\"t\":\"page\",\"r\":\"/a\"}");
      }
      assertThat(relay.accept(TEXT, body(request(many.toString())))).isEqualTo(400);
      assertThat(
              relay.accept(
                  TEXT, body(request("{\"t\":\"page\",\"r\":\"/" + "a".repeat(9000) + "\"}"))))
          .isEqualTo(413);
      assertThat(
              relay.accept(
                  "application/x-www-form-urlencoded",
                  body(request("{\"t\":\"page\",\"r\":\"/a\"}"))))
          .isEqualTo(415);
      assertThat(relay.accept(TEXT, new ByteArrayInputStream(new byte[] {'{', (byte) 0xff, '}'})))
          .isEqualTo(400);
      assertThat(
              relay.accept(
                  TEXT, new ByteArrayInputStream(gzip(request("{\"t\":\"page\",\"r\":\"/a\"}")))))
          .isEqualTo(400);
      assertThat(relay.accept(null, body("{}"))).isEqualTo(415);
      // A valid event after them: the pipeline keeps its order, so once it has arrived, anything
      // accepted before it would have too.
      assertThat(relay.accept(TEXT, body(request("{\"t\":\"page\",\"r\":\"/probe\"}"))))
          .isEqualTo(204);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> collector.messages().stream().anyMatch(this::ui));
      assertThat(collector.messages().stream().filter(this::ui))
          .singleElement()
          .satisfies(m -> assertThat(m.at("/properties/route").asText()).isEqualTo("/probe"));
    }
  }

  @Test
  void oneTabIsLimitedPerMinute() throws Exception {
    try (TestCollector collector = TestCollector.start();
        Beacon beacon = TestBeacons.builder(tmp.resolve("s"), collector.uri()).build()) {
      UiRelay relay = beacon.uiRelay();
      StringBuilder twenty = new StringBuilder();
      for (int i = 0; i < 20; i++) {
        twenty.append(i == 0 ? "" : ",").append("{\"t\":\"track\",\"e\":\"click\"}");
      }
      for (int i = 0; i < UiRelay.EVENTS_PER_MINUTE_PER_TAB / 20; i++) {
        assertThat(relay.accept(TEXT, body(request(twenty.toString())))).isEqualTo(204);
      }
      assertThat(relay.accept(TEXT, body(request("{\"t\":\"track\",\"e\":\"click\"}"))))
          .isEqualTo(429);
      String otherTab =
          "{\"v\":1,\"tab\":\"0123456789abcdef\",\"events\":[{\"t\":\"track\",\"e\":\"click\"}]}";
      assertThat(relay.accept(TEXT, body(otherTab))).isEqualTo(204);
    }
  }

  @Test
  void withTelemetryOffTheRelayKeepsNothing() throws Exception {
    try (Endpoints.BlackHole tripwire = new Endpoints.BlackHole()) {
      try (Beacon beacon =
          TestBeacons.builder(tmp.resolve("s"), tripwire.uri())
              .logFile(tmp.resolve("telemetry.jsonl"))
              .configuredMode(TelemetryMode.OFF)
              .build()) {
        beacon.start();
        assertThat(beacon.uiRelay().accept(TEXT, body(request("{\"t\":\"page\",\"r\":\"/a\"}"))))
            .isEqualTo(204);
      }
      // Closed: whatever it would have sent or written is out by now.
      assertThat(tripwire.connections()).isZero();
      assertThat(tmp.resolve("telemetry.jsonl")).doesNotExist();
    }
  }

  @Test
  void theScriptIsInTheJarWithinItsBudget() throws Exception {
    byte[] script = UiRelay.script();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(script);
    }
    assertThat(gz.size()).as("beacon.js gzipped").isLessThanOrEqualTo(1536);
    String js = new String(script, StandardCharsets.UTF_8);
    assertThat(js)
        .contains("sendBeacon", "doNotTrack", "globalPrivacyControl")
        .doesNotContain(
            "localStorage", "sessionStorage", "indexedDB", "document.cookie", "console.");
  }

  private static byte[] gzip(String s) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(b)) {
      out.write(s.getBytes(StandardCharsets.UTF_8));
    }
    return b.toByteArray();
  }
}
