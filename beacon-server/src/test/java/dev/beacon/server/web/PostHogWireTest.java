package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.server.storage.StoredEvent;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way PostHog's clients wrap a capture request (PostHog's own decoding order, research §1.2),
 * and what no client should send: each a clear 4xx naming what was wrong, nothing stored, the
 * server healthy.
 */
class PostHogWireTest {
  private static final String KEY = TestServer.ACME_KEY;
  @TempDir Path data;

  private static String event(String name, String distinctId, String uuid) {
    return "{\"event\":\""
        + name
        + "\",\"distinct_id\":\""
        + distinctId
        + "\",\"uuid\":\""
        + uuid
        + "\",\"properties\":{\"$lib\":\"web\",\"$lib_version\":\"1.449.2\",\"plan\":\"pro\","
        + "\"$current_url\":\"https://app.acme.example/settings?user=7\",\"$ip\":\"192.0.2.1\"}}";
  }

  private static String uuid(int i) {
    return String.format("0190a1b2-c3d4-7e5f-8a9b-%012d", i);
  }

  private static String envelope(String... events) {
    return "{\"api_key\":\""
        + KEY
        + "\",\"batch\":["
        + String.join(",", events)
        + "],"
        + "\"sent_at\":\""
        + Instant.now()
        + "\"}";
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void everyEncodingPostHogClientsUseIsDecoded() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      // posthog-server / posthog-python: an envelope as JSON.
      assertOk(s.post("/batch", utf8(envelope(event("a", "i-1", uuid(1))))));
      assertOk(s.post("/batch/", utf8(envelope(event("a", "i-1", uuid(2))))));
      // posthog-js gzip-js: a gzipped body as text/plain, compression in the query.
      assertOk(
          s.post(
              "/e/?compression=gzip-js&ver=1.449.2&_=" + System.currentTimeMillis(),
              TestServer.gzip(utf8(envelope(event("b", "i-2", uuid(3))))),
              "Content-Type",
              "text/plain"));
      // The hint missing, the gzip magic is enough.
      assertOk(
          s.post(
              "/i/v0/e/",
              TestServer.gzip(utf8(envelope(event("b", "i-2", uuid(4))))),
              "Content-Type",
              "text/plain"));
      // gzip by Content-Encoding.
      assertOk(s.postGzip("/capture/", utf8(envelope(event("c", "i-3", uuid(5))))));
      // posthog-js's base64 mode: a form with data=<base64>, an older bare array whose events
      // carry the token.
      String array =
          "["
              + event("d", "i-4", uuid(6)).replace("\"plan\"", "\"token\":\"" + KEY + "\",\"plan\"")
              + "]";
      String form =
          "data="
              + URLEncoder.encode(
                  Base64.getEncoder().encodeToString(utf8(array)), StandardCharsets.UTF_8)
              + "&compression=base64";
      assertOk(s.post("/e/", utf8(form), "Content-Type", "application/x-www-form-urlencoded"));
      // Legacy GET with data= in the query (base64, '+' read back from a space), token in query.
      String single = event("e", "i-5", uuid(7));
      String b64 = Base64.getEncoder().encodeToString(utf8(single + "   "));
      TestServer.Response get =
          s.get("/capture?token=" + KEY + "&data=" + b64.replace("+", "%2B"), null);
      assertOk(get);
      // sendBeacon on unload: 204.
      TestServer.Response beacon =
          s.post(
              "/e/?beacon=1",
              utf8(envelope(event("f", "i-6", uuid(8)))),
              "Content-Type",
              "text/plain");
      assertThat(beacon.status()).isEqualTo(204);
      // /track and /engage (an engage record names no event: a person update, nothing kept).
      assertOk(s.post("/track", utf8(envelope(event("g", "i-7", uuid(9))))));
      assertOk(
          s.post(
              "/engage/",
              utf8(
                  "{\"token\":\""
                      + KEY
                      + "\",\"distinct_id\":\"i-8\",\"uuid\":\""
                      + uuid(10)
                      + "\",\"properties\":{\"name\":\"Olga\"}}")));

      List<StoredEvent> events = s.server.store().events("acme", 100);
      assertThat(events).hasSize(10);
      for (StoredEvent e : events) {
        assertThat(e.properties() + e.context())
            .doesNotContain("192.0.2.1")
            .doesNotContain("app.acme.example")
            .doesNotContain("Olga")
            .doesNotContain(KEY);
        if (!e.event().equals("$set")) {
          assertThat(e.library()).isEqualTo("web");
          assertThat(TestServer.JSON.readTree(e.properties()).path("plan").asText())
              .isEqualTo("pro");
        }
      }
      assertThat(events).extracting(StoredEvent::event).contains("$set", "e", "d");
      // The flags and config stubs that browser libraries read at start.
      TestServer.Response flags =
          s.request("POST", "/flags/?v=2&config=true", "{\"token\":\"" + KEY + "\"}", null);
      assertThat(flags.status()).isEqualTo(200);
      assertThat(flags.json().path("featureFlags").isEmpty()).isTrue();
      assertThat(flags.json().path("errorsWhileComputingFlags").asBoolean()).isFalse();
      assertThat(s.get("/decide/?v=3", null).status()).isEqualTo(200);
      assertThat(
              s.get("/array/" + KEY + "/config", null).json().path("sessionRecording").asBoolean())
          .isFalse();
    }
  }

  @Test
  void clientClockSkewIsCorrectedBySentAt() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      // The sender's clock is 3 hours behind: its event happened 10 s before it sent it.
      Instant sent = Instant.now().minusSeconds(3 * 3600);
      String body =
          "{\"api_key\":\""
              + KEY
              + "\",\"sent_at\":\""
              + sent
              + "\",\"batch\":["
              + "{\"event\":\"x\",\"distinct_id\":\"i-1\",\"timestamp\":\""
              + sent.minusSeconds(10)
              + "\"}]}";
      assertOk(s.post("/batch", utf8(body)));
      Instant at = s.server.store().events("acme", 1).get(0).timestamp();
      assertThat(at).isBetween(Instant.now().minusSeconds(60), Instant.now().minusSeconds(5));
    }
  }

  @Test
  void badInputIsAClear4xxAndNothingIsStored() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      String good = envelope(event("a", "i-1", uuid(1)));
      record Case(String name, TestServer.Response response, int status, String says) {}
      byte[] bomb = bomb();
      StringBuilder deep = new StringBuilder();
      for (int i = 0; i < 2000; i++) {
        deep.append("{\"a\":");
      }
      StringBuilder many = new StringBuilder("{\"api_key\":\"" + KEY + "\",\"batch\":[");
      for (int i = 0; i < 2600; i++) {
        many.append(i == 0 ? "" : ",").append("{\"event\":\"e\",\"distinct_id\":\"i\"}");
      }
      many.append("]}");
      List<Case> cases =
          List.of(
              new Case(
                  "invalid base64 in the form",
                  s.post(
                      "/e/",
                      utf8("data=%%%%&compression=base64"),
                      "Content-Type",
                      "application/x-www-form-urlencoded"),
                  400,
                  "escape"),
              new Case(
                  "base64 that does not decode",
                  s.post(
                      "/e/",
                      utf8("data=QUJD%3D%3D%3D%3D"),
                      "Content-Type",
                      "application/x-www-form-urlencoded"),
                  400,
                  ""),
              new Case(
                  "a gzip bomb behind compression=gzip-js",
                  s.post("/e/?compression=gzip-js", bomb, "Content-Type", "text/plain"),
                  413,
                  "gzip"),
              new Case(
                  "gzip-js that is not gzip",
                  s.post("/e/?compression=gzip-js", utf8("not gzip"), "Content-Type", "text/plain"),
                  400,
                  "gzip"),
              new Case(
                  "conflicting tokens (envelope and query)",
                  s.post("/batch?token=other", utf8(good)),
                  401,
                  "token"),
              new Case(
                  "conflicting tokens (events of a bare array)",
                  s.post(
                      "/e/",
                      utf8(
                          "[{\"event\":\"a\",\"distinct_id\":\"i\",\"properties\":{\"token\":\""
                              + KEY
                              + "\"}},{\"event\":\"b\",\"distinct_id\":\"i\",\"properties\":"
                              + "{\"token\":\"phc_other\"}}]")),
                  401,
                  "token"),
              new Case(
                  "no token",
                  s.post("/batch", utf8("{\"batch\":[{\"event\":\"a\",\"distinct_id\":\"i\"}]}")),
                  401,
                  "write key"),
              new Case(
                  "an unknown token",
                  s.post("/batch", utf8(good.replace(KEY, "phc_unknown"))),
                  401,
                  "unknown"),
              new Case(
                  "a personal API key",
                  s.post("/batch", utf8(good.replace(KEY, "phx_personal"))),
                  401,
                  "personal"),
              new Case(
                  "lz64 compression",
                  s.post("/e/?compression=lz64", utf8("N4Ig"), "Content-Type", "text/plain"),
                  400,
                  "lz64"),
              new Case("an empty body", s.post("/batch", new byte[0]), 400, "payload"),
              new Case("an empty batch", s.post("/batch", utf8(envelope())), 400, "empty"),
              new Case("not JSON", s.post("/batch", utf8("{\"api_key\":")), 400, "JSON"),
              new Case("nesting 2000 deep", s.post("/batch", utf8(deep.toString())), 400, "depth"),
              new Case("2600 events", s.post("/batch", utf8(many.toString())), 413, "2500"),
              new Case(
                  "batch that is not an array",
                  s.post("/batch", utf8("{\"api_key\":\"" + KEY + "\",\"batch\":7}")),
                  400,
                  "array"),
              new Case(
                  "a media type no client sends",
                  s.post("/batch", utf8(good), "Content-Type", "application/xml"),
                  415,
                  "application/xml"),
              new Case(
                  "every event without a distinct id",
                  s.post("/batch", utf8(envelope("{\"event\":\"a\",\"properties\":{}}"))),
                  400,
                  "distinct_id"),
              new Case(
                  "an e-mail as the only id",
                  s.post("/batch", utf8(envelope(event("a", "olga@acme.example", uuid(2))))),
                  400,
                  "e-mail"),
              new Case(
                  "an event name of 300 characters",
                  s.post("/batch", utf8(envelope(event("x".repeat(300), "i", uuid(3))))),
                  400,
                  "longer than"),
              new Case(
                  "a huge property value",
                  s.post(
                      "/batch",
                      utf8(
                          envelope(
                              "{\"event\":\"a\",\"distinct_id\":\"i\",\"properties\":{"
                                  + hugeProperties()
                                  + "}}"))),
                  400,
                  "bytes"),
              new Case(
                  "a timestamp that is not one",
                  s.post(
                      "/batch",
                      utf8(
                          envelope(
                              "{\"event\":\"a\",\"distinct_id\":\"i\",\"timestamp\":\"yesterday\"}"))),
                  400,
                  "timestamp"),
              new Case(
                  "invalid UTF-8",
                  s.post(
                      "/batch",
                      new byte[] {
                        '{', '"', 'a', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'
                      }),
                  400,
                  ""));
      for (Case c : cases) {
        assertThat(c.response().status())
            .as(c.name() + ": " + c.response().body())
            .isEqualTo(c.status());
        assertThat(c.response().body()).as(c.name()).containsIgnoringCase(c.says());
      }
      assertThat(s.server.store().count("acme")).isZero();
      assertThat(s.get("/healthz", null).status()).isEqualTo(200);
      // A batch with one bad event among good ones: the good are stored, the bad quarantined.
      TestServer.Response mixed =
          s.post("/batch", utf8(envelope(event("a", "i-1", uuid(11)), "{\"event\":\"b\"}", "17")));
      assertThat(mixed.status()).isEqualTo(200);
      JsonNode answer = mixed.json();
      assertThat(answer.path("status").asInt()).isEqualTo(1);
      assertThat(answer.path("accepted").asInt()).isEqualTo(1);
      assertThat(answer.path("rejected")).hasSize(2);
      assertThat(s.server.store().count("acme")).isEqualTo(1);
    }
  }

  /** Twenty values of 8 000 characters: each within the JSON limits, the event past its own. */
  private static String hugeProperties() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      b.append(i == 0 ? "" : ",")
          .append("\"v")
          .append(i)
          .append("\":\"")
          .append("x".repeat(8000))
          .append('"');
    }
    return b.toString();
  }

  /** 64 MiB of zeros, gzipped: a few dozen KiB on the wire. */
  private static byte[] bomb() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 64; i++) {
        gz.write(zeros);
      }
    }
    return out.toByteArray();
  }

  private static void assertOk(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().path("status").asInt()).as(r.body()).isEqualTo(1);
    assertThat(r.json().path("rejected")).as(r.body()).isEmpty();
  }
}
