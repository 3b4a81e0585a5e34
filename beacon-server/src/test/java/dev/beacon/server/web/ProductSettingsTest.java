package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Products and write keys made, rotated and revoked from the dashboard; the editable settings. */
class ProductSettingsTest {
  @TempDir Path data;

  private static final String ADMIN = TestServer.basic("admin", TestServer.ADMIN_PASSWORD);

  private static TestServer.Response send(TestServer s, String method, String path, String body) {
    return s.request(method, path, body, ADMIN);
  }

  private static int sent;

  private static int track(TestServer s, String key) {
    return s.post(
            "/v1/track",
            ("{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a\",\"messageId\":\"m"
                    + sent++
                    + "\"}")
                .getBytes(StandardCharsets.UTF_8),
            "Authorization",
            TestServer.basic(key, ""))
        .status();
  }

  @Test
  void aProductIsCreatedItsKeyRotatedAndRevokedAndOnlyAHashIsKept() throws Exception {
    String key;
    try (TestServer s = TestServer.start(data)) {
      TestServer.Response created = send(s, "POST", "/api/v1/products", "{\"name\":\"werf\"}");
      assertThat(created.status()).isEqualTo(201);
      key = created.json().get("write_key").asText();
      assertThat(track(s, key)).isEqualTo(200);
      assertThat(send(s, "POST", "/api/v1/products", "{\"name\":\"werf\"}").status())
          .isEqualTo(409);
      assertThat(send(s, "POST", "/api/v1/products", "{\"name\":\"Bad Name\"}").status())
          .isEqualTo(400);
      assertThat(send(s, "POST", "/api/v1/products/acme/rotate", "").json().get("message").asText())
          .contains("declared in the configuration");
    }
    assertThat(Files.readString(data.resolve("products.json")))
        .contains("werf")
        .doesNotContain(key);

    try (TestServer s = TestServer.start(data)) { // the registry survives a restart
      assertThat(track(s, key)).isEqualTo(200);
      String rotated =
          send(s, "POST", "/api/v1/products/werf/rotate", "").json().get("write_key").asText();
      assertThat(track(s, key)).isEqualTo(401);
      assertThat(track(s, rotated)).isEqualTo(200);
      JsonNode list = send(s, "GET", "/api/v1/products", null).json();
      assertThat(list.get("products").toString()).isEqualTo("[\"acme\",\"emqx\",\"werf\"]");
      assertThat(send(s, "DELETE", "/api/v1/products/werf", null).status()).isEqualTo(200);
      assertThat(track(s, rotated)).isEqualTo(401);
      assertThat(s.server.store().count("werf")).isEqualTo(3); // the events stay
    }
  }

  @Test
  void theMinimumBucketAndTheRetentionAreEditableAndChecked() {
    try (TestServer s = TestServer.start(data)) {
      TestServer.Response saved =
          send(s, "PUT", "/api/v1/settings", "{\"min_installations\":5,\"retention_days\":90}");
      assertThat(saved.status()).isEqualTo(200);
      JsonNode list = send(s, "GET", "/api/v1/products", null).json();
      assertThat(list.get("min_installations").asInt()).isEqualTo(5);
      assertThat(list.get("retention_days").asInt()).isEqualTo(90);
      assertThat(send(s, "PUT", "/api/v1/settings", "{\"min_installations\":0}").status())
          .isEqualTo(400);
    }
  }
}
