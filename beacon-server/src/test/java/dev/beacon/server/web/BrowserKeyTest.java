package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beacon.server.config.InvalidConfigException;
import dev.beacon.server.storage.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A browser key (beacon.js's direct mode) writes only a web UI's page views and events, as library
 * beacon-js; never a report, a command event or anything on the other protocols.
 */
class BrowserKeyTest {
  private static final String BROWSER_KEY = "bk_acme_ui_0123";
  private static final String ORIGIN = "https://ui.acme.example";
  @TempDir Path data;

  private TestServer start() {
    return TestServer.start(
        data,
        Map.of(
            "BEACON_PRODUCTS__ACME__BROWSER_KEY", BROWSER_KEY,
            "BEACON_PRODUCTS__ACME__BROWSER_ORIGINS", ORIGIN));
  }

  private static TestServer.Response post(TestServer s, String path, String body) {
    return s.post(
        path,
        body.getBytes(StandardCharsets.UTF_8),
        "Content-Type",
        "text/plain",
        "Origin",
        ORIGIN);
  }

  @Test
  void pageViewsAndEventsPassAsBeaconJsAndNothingElse() throws Exception {
    try (TestServer s = start()) {
      TestServer.Response ok =
          post(
              s,
              "/v1/batch",
              "{\"writeKey\":\""
                  + BROWSER_KEY
                  + "\",\"batch\":[{\"type\":\"page\",\"name\":\"/services/[id]\","
                  + "\"properties\":{\"route\":\"/services/[id]\"},\"anonymousId\":\"inst-1\","
                  + "\"context\":{\"library\":{\"name\":\"beacon-sdk\"}}},"
                  + "{\"type\":\"track\",\"event\":\"login\",\"anonymousId\":\"inst-1\"}]}");
      assertThat(ok.status()).as(ok.body()).isEqualTo(200);
      assertThat(ok.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
      List<StoredEvent> events = s.server.store().events("acme", 10);
      assertThat(events).hasSize(2).allMatch(e -> e.library().equals("beacon-js"));
      // A page view is named by its route template, and holds nothing else.
      assertThat(events)
          .filteredOn(e -> e.type().equals("page"))
          .singleElement()
          .satisfies(e -> assertThat(e.event()).isEqualTo("/services/[id]"))
          .satisfies(e -> assertThat(e.properties()).isEqualTo("{\"route\":\"/services/[id]\"}"));

      // What a page holding the key cannot write.
      for (String refused :
          List.of(
              "{\"type\":\"report\",\"anonymousId\":\"inst-1\",\"properties\":{}}",
              "{\"type\":\"identify\",\"anonymousId\":\"inst-1\"}",
              "{\"type\":\"track\",\"event\":\"CommandStarted\",\"anonymousId\":\"inst-1\"}",
              "{\"type\":\"track\",\"event\":\"report\",\"anonymousId\":\"inst-1\"}",
              // The page is not trusted: a raw URL, an id or an e-mail never passes as a route or
              // property, checked as the SDK's relay checks them (UiEvents).
              "{\"type\":\"page\",\"name\":\"https://ui.example/services/42?u=a@b.c\","
                  + "\"anonymousId\":\"inst-1\"}",
              "{\"type\":\"page\",\"properties\":{\"route\":\"/users/alice@example.com\"},"
                  + "\"anonymousId\":\"inst-1\"}",
              "{\"type\":\"page\",\"name\":\"/services/42\",\"anonymousId\":\"inst-1\"}",
              "{\"type\":\"track\",\"event\":\"login\",\"properties\":"
                  + "{\"user\":\"alice@example.com\"},\"anonymousId\":\"inst-1\"}",
              "{\"type\":\"track\",\"event\":\"login\",\"properties\":"
                  + "{\"from\":\"https://ui.example/x\"},\"anonymousId\":\"inst-1\"}",
              "{\"type\":\"track\",\"event\":\"Log In!\",\"anonymousId\":\"inst-1\"}",
              "{\"type\":\"track\",\"event\":\"login\",\"properties\":{\"n\":{\"deep\":1}},"
                  + "\"anonymousId\":\"inst-1\"}")) {
        TestServer.Response r =
            post(
                s,
                "/v1/batch",
                "{\"writeKey\":\"" + BROWSER_KEY + "\",\"batch\":[" + refused + "]}");
        assertThat(r.status()).as(refused).isEqualTo(400);
        assertThat(r.body()).containsAnyOf("browser key", "web UI", "route template");
        assertThat(r.body()).doesNotContain("alice").doesNotContain("ui.example");
      }
      TestServer.Response single =
          s.post(
              "/v1/track",
              "{\"event\":\"CommandExited\",\"anonymousId\":\"i\"}"
                  .getBytes(StandardCharsets.UTF_8),
              "Authorization",
              TestServer.basic(BROWSER_KEY, ""));
      assertThat(single.status()).isEqualTo(400);
      // Other protocols do not know the key.
      TestServer.Response otlp =
          s.post(
              "/v1/traces",
              new byte[0],
              "Authorization",
              "Bearer " + BROWSER_KEY,
              "Content-Type",
              "application/x-protobuf");
      assertThat(otlp.status()).isEqualTo(401);
      TestServer.Response posthog =
          s.post(
              "/batch",
              ("{\"api_key\":\""
                      + BROWSER_KEY
                      + "\",\"batch\":[{\"event\":\"e\",\"distinct_id\":\"i\"}]}")
                  .getBytes(StandardCharsets.UTF_8));
      assertThat(posthog.status()).isEqualTo(401);
      // A page of another origin is refused, key or not.
      TestServer.Response other =
          s.post(
              "/v1/batch",
              ("{\"writeKey\":\""
                      + BROWSER_KEY
                      + "\",\"batch\":[{\"type\":\"page\",\"name\":\"/a\","
                      + "\"anonymousId\":\"i\"}]}")
                  .getBytes(StandardCharsets.UTF_8),
              "Content-Type",
              "text/plain",
              "Origin",
              "https://evil.example");
      assertThat(other.status()).isEqualTo(403);
      assertThat(other.header("Access-Control-Allow-Origin")).isNull();
      assertThat(s.server.store().count("acme")).isEqualTo(2);
      // The write key still writes everything.
      assertThat(
              s.post("/v1/track", "{\"event\":\"CommandExited\",\"anonymousId\":\"i\"}").status())
          .isEqualTo(200);
    }
  }

  @Test
  void aBrowserKeyMustNotBeAWriteKey() {
    assertThatThrownBy(
            () ->
                TestServer.config(
                    data, Map.of("BEACON_PRODUCTS__ACME__BROWSER_KEY", TestServer.EMQX_KEY)))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("browser_key is a write key");
    assertThatThrownBy(
            () -> TestServer.config(data, Map.of("BEACON_PRODUCTS__ACME__BROWSER_KEY", "short")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("shorter than 8");
  }
}
