package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Browser senders: only from the origins their product lists; preflights for any listed one. */
class CorsTest {
  private static final String EVENT =
      "{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"inst-1\"}";

  @TempDir Path data;

  @Test
  void onlyTheProductsOwnOriginsMaySendAndReadTheAnswer() throws Exception {
    try (TestServer s =
        TestServer.start(
            data,
            Map.of(
                "BEACON_PRODUCTS__ACME__BROWSER_ORIGINS",
                "https://ui.acme.example, http://localhost:3000",
                "BEACON_PRODUCTS__EMQX__BROWSER_ORIGINS",
                "https://emqx.example"))) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> preflight =
          http.send(
              HttpRequest.newBuilder(s.uri("/v1/track"))
                  .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                  .header("Origin", "http://localhost:3000")
                  .header("Access-Control-Request-Method", "POST")
                  .header("Access-Control-Request-Headers", "content-type")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(preflight.statusCode()).isEqualTo(204);
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
          .hasValue("http://localhost:3000");
      HttpResponse<String> unknown =
          http.send(
              HttpRequest.newBuilder(s.uri("/v1/traces"))
                  .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                  .header("Origin", "https://evil.example")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(unknown.statusCode()).isEqualTo(403);
      assertThat(unknown.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

      TestServer.Response own =
          s.post(
              "/v1/track",
              EVENT.getBytes(StandardCharsets.UTF_8),
              "Authorization",
              TestServer.basic(TestServer.ACME_KEY, ""),
              "Origin",
              "https://ui.acme.example",
              "Content-Type",
              "text/plain");
      assertThat(own.status()).as(own.body()).isEqualTo(200);
      assertThat(own.header("Access-Control-Allow-Origin")).isEqualTo("https://ui.acme.example");
      // Listed, but for another product: refused, nothing stored.
      TestServer.Response other =
          s.post(
              "/v1/track",
              EVENT.getBytes(StandardCharsets.UTF_8),
              "Authorization",
              TestServer.basic(TestServer.ACME_KEY, ""),
              "Origin",
              "https://emqx.example");
      assertThat(other.status()).isEqualTo(403);
      assertThat(other.body()).contains("products.acme.browser_origins");
      assertThat(s.server.store().count("acme")).isEqualTo(1);
    }
  }
}
