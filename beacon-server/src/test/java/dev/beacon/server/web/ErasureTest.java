package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.SendResult;
import dev.beacon.sdk.TelemetryMode;
import dev.beacon.server.cli.CliRunner;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, erasure over HTTP: by an admin ({@code DELETE .../installations/{id}}), by the
 * installation itself ({@code POST /v1/forget} with its write key, through the SDK's {@code
 * forget()}), and {@code ./beacon erase --server}; the audit log names who and how many, never the
 * id; bad requests are refused with what was wrong, and nothing else is touched.
 */
class ErasureTest {
  private static final String ADMIN = TestServer.basic("admin", TestServer.ADMIN_PASSWORD);

  @TempDir Path data;

  private static String batch(String installation, int n) {
    StringBuilder sb = new StringBuilder("{\"batch\":[");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ",")
          .append("{\"type\":\"track\",\"event\":\"CommandExited\",\"anonymousId\":\"")
          .append(installation)
          .append("\",\"messageId\":\"")
          .append(installation)
          .append('-')
          .append(i)
          .append("\",\"properties\":{\"command\":\"app build\",\"eventData\":{\"exitCode\":0}}}");
    }
    return sb.append("]}").toString();
  }

  @Test
  void anAdminErasesOneInstallationAndTheAuditLogKeepsNoId() {
    try (TestServer s = TestServer.start(data)) {
      assertThat(s.post("/v1/batch", batch("inst-erase-me", 5)).status()).isEqualTo(200);
      assertThat(s.post("/v1/batch", batch("inst-keep-me", 3)).status()).isEqualTo(200);

      TestServer.Response r =
          s.request("DELETE", "/api/v1/products/acme/installations/inst-erase-me", null, ADMIN);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.json().get("deleted").asLong()).isEqualTo(5);
      assertThat(s.server.store().count("acme")).isEqualTo(3);
      assertThat(s.summary("acme", 30).get("events").asLong()).isEqualTo(3);

      // Sent again after the erasure (a retry): stored as new, counted whole.
      assertThat(s.post("/v1/batch", batch("inst-erase-me", 5)).json().get("accepted").asInt())
          .isEqualTo(5);
      assertThat(s.server.store().count("acme")).isEqualTo(8);

      TestServer.Response audit = s.get("/api/v1/audit", ADMIN);
      assertThat(audit.status()).isEqualTo(200);
      assertThat(audit.body()).contains("admin (HTTP Basic)").doesNotContain("inst-erase-me");
      JsonNode row = audit.json().get("rows").get(0);
      assertThat(row.get(3).asText()).isEqualTo("acme");
      assertThat(row.get(4).asLong()).isEqualTo(5);
    }
  }

  @Test
  void erasureRequestsThatAreWrongAreRefusedWithTheReason() {
    try (TestServer s = TestServer.start(data)) {
      s.post("/v1/batch", batch("inst-a", 2));
      String path = "/api/v1/products/acme/installations/inst-a";
      assertThat(s.request("DELETE", path, null, null).status()).isEqualTo(401);
      assertThat(s.request("DELETE", path, null, TestServer.basic("admin", "wrong")).status())
          .isEqualTo(401);
      TestServer.Response unknown =
          s.request("DELETE", "/api/v1/products/nope/installations/inst-a", null, ADMIN);
      assertThat(unknown.status()).isEqualTo(404);
      TestServer.Response tooLong =
          s.request(
              "DELETE", "/api/v1/products/acme/installations/" + "x".repeat(129), null, ADMIN);
      assertThat(tooLong.status()).isEqualTo(400);
      assertThat(tooLong.body()).contains("1 to 128 characters");
      // Hostile ids erase nothing but themselves: no pattern, no SQL.
      for (String hostile : List.of("%25", "'%20OR%201=1--", "%22%5D%7D", "*")) {
        TestServer.Response h =
            s.request("DELETE", "/api/v1/products/acme/installations/" + hostile, null, ADMIN);
        assertThat(h.status()).as(hostile).isEqualTo(200);
        assertThat(h.json().get("deleted").asLong()).isZero();
      }
      assertThat(s.server.store().count("acme")).isEqualTo(2);

      // The installation's own request: its product's write key, its id in the body.
      assertThat(
              s.post(
                      "/v1/forget",
                      "{\"anonymousId\":\"inst-a\"}".getBytes(StandardCharsets.UTF_8),
                      "Authorization",
                      TestServer.basic("wk_wrong", ""))
                  .status())
          .isEqualTo(401);
      for (String bad :
          List.of("{}", "{\"anonymousId\":7}", "{\"anonymousId\":\"\"}", "[", "\"x\"")) {
        TestServer.Response b = s.post("/v1/forget", bad);
        assertThat(b.status()).as(bad).isEqualTo(400);
        assertThat(b.json().get("message").asText()).isNotBlank();
      }
      TestServer.Response big =
          s.post("/v1/forget", "{\"anonymousId\":\"" + "y".repeat(10_000) + "\"}");
      assertThat(big.status()).isEqualTo(413);
      String deep = "[".repeat(5000) + "]".repeat(5000);
      assertThat(s.post("/v1/forget", deep).status()).isIn(400, 413);
      assertThat(s.server.store().count("acme")).isEqualTo(2);

      TestServer.Response ok = s.post("/v1/forget", "{\"anonymousId\":\"inst-a\"}");
      assertThat(ok.status()).as(ok.body()).isEqualTo(200);
      assertThat(ok.json().get("deleted").asLong()).isEqualTo(2);
      // A few a minute per product: a burst of ten, then 429 with Retry-After.
      int limited = 0;
      for (int i = 0; i < 12; i++) {
        TestServer.Response more = s.post("/v1/forget", "{\"anonymousId\":\"inst-" + i + "\"}");
        if (more.status() == 429) {
          limited++;
          assertThat(more.header("Retry-After")).isNotBlank();
        }
      }
      assertThat(limited).isPositive();
      assertThat(s.get("/api/v1/audit", ADMIN).body()).contains("installation (self)");
    }
  }

  @Test
  void theSdksForgetErasesOnTheServerWipesItsStateAndStartsANewId() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      Path state = data.resolve("sdk-state");
      Beacon beacon = build(s, state);
      if (beacon.control().status().mode() == TelemetryMode.OFF) {
        beacon.close();
        return; // DO_NOT_TRACK on this machine: the SDK rightly sends nothing
      }
      assertThat(beacon.control().sendReportNow().outcome())
          .isEqualTo(SendResult.Outcome.DELIVERED);
      String before = beacon.control().installationId().orElseThrow();
      assertThat(s.server.store().count("acme")).isEqualTo(1);
      s.post("/v1/batch", batch("someone-else", 2));

      SendResult forgot = beacon.control().forget();
      assertThat(forgot.outcome()).as(forgot.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
      assertThat(s.server.store().events("acme", 10))
          .allSatisfy(e -> assertThat(e.installationId()).isEqualTo("someone-else"));
      assertThat(beacon.control().installationId()).isEmpty();
      try (Stream<Path> left = Files.walk(state)) {
        assertThat(left.filter(Files::isRegularFile).toList()).isEmpty();
      }

      assertThat(beacon.control().sendReportNow().outcome())
          .isEqualTo(SendResult.Outcome.DELIVERED);
      assertThat(beacon.control().installationId().orElseThrow()).isNotEqualTo(before);
      beacon.close();
    }
  }

  @Test
  void forgetWithTheServerDownChangesNothingAndSaysSo() throws Exception {
    Path state = data.resolve("sdk-state");
    String id;
    try (TestServer s = TestServer.start(data)) {
      try (Beacon beacon = build(s, state)) {
        if (beacon.control().status().mode() == TelemetryMode.OFF) {
          return;
        }
        beacon.control().sendReportNow();
        id = beacon.control().installationId().orElseThrow();
      }
    }
    // The server is gone: nothing is erased, so nothing is wiped.
    try (Beacon beacon =
        Beacon.builder("acme")
            .endpoint(URI.create("http://127.0.0.1:9"))
            .writeKey(TestServer.ACME_KEY)
            .stateDirectory(state)
            .registerMBean(false)
            .build()) {
      SendResult r = beacon.control().forget();
      assertThat(r.outcome()).isEqualTo(SendResult.Outcome.SPOOLED);
      assertThat(r.detail()).contains("nothing was erased");
      assertThat(beacon.control().installationId()).contains(id);
    }
  }

  @Test
  void theCommandLineErasesThroughTheRunningServer() {
    try (TestServer s = TestServer.start(data)) {
      s.post("/v1/batch", batch("inst-cli", 4));
      CliRunner.Run r =
          CliRunner.run(
              Map.of("BEACON_ADMIN__PASSWORD", TestServer.ADMIN_PASSWORD),
              "erase",
              "--product",
              "acme",
              "--installation",
              "inst-cli",
              "--server",
              s.server.url());
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).contains("\"deleted\":4");
      assertThat(s.server.store().count("acme")).isZero();

      CliRunner.Run noPassword =
          CliRunner.run(
              Map.of(),
              "erase",
              "--product",
              "acme",
              "--installation",
              "x",
              "--server",
              s.server.url());
      assertThat(noPassword.exit()).isEqualTo(2);
      assertThat(noPassword.err()).contains("BEACON_ADMIN__PASSWORD");
    }
  }

  @Test
  void theCommandLineErasesOnAStoppedServersStore() {
    try (TestServer s = TestServer.start(data)) {
      s.post("/v1/batch", batch("inst-offline", 4));
      s.post("/v1/batch", batch("inst-stays", 1));
    }
    CliRunner.Run r =
        CliRunner.run(
            Map.of(),
            "erase",
            "--product",
            "acme",
            "--installation",
            "inst-offline",
            "--data",
            data.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("Erased: 4 events");
    try (TestServer s = TestServer.start(data)) {
      assertThat(s.server.store().count("acme")).isEqualTo(1);
      assertThat(s.get("/api/v1/audit", ADMIN).body()).contains("command line");
    }
    CliRunner.Run nowhere =
        CliRunner.run(
            Map.of(),
            "erase",
            "--product",
            "acme",
            "--installation",
            "x",
            "--data",
            data.resolve("nothing-here").toString());
    assertThat(nowhere.exit()).isEqualTo(2);
    assertThat(nowhere.err()).contains("no store at");
  }

  private static Beacon build(TestServer s, Path state) {
    return Beacon.builder("acme")
        .version("1.0.0")
        .endpoint(URI.create(s.server.url()))
        .writeKey(TestServer.ACME_KEY)
        .stateDirectory(state)
        .registerMBean(false)
        .build();
  }
}
