package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Products and write keys made, rotated and revoked from the dashboard; the editable settings. */
class ProductSettingsTest {
  @TempDir Path data;

  private static final String ADMIN = TestServer.basic("admin", TestServer.ADMIN_PASSWORD);
  private static final ObjectMapper JSON = new ObjectMapper();

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

  /** What a server logs while it starts (the INFO lines of BeaconServer). */
  private static TestServer startLogging(Path data, Map<String, String> env, List<String> log) {
    Logger logger = (Logger) LoggerFactory.getLogger(BeaconServer.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try {
      return TestServer.start(data, env);
    } finally {
      logger.detachAppender(appender);
      appender.list.forEach(e -> log.add(e.getFormattedMessage()));
    }
  }

  /**
   * M7: once a product had been made in the dashboard, products.json held the retention and the
   * minimum bucket and silently overrode BEACON_RETENTION__DAYS (a legal hold still lost data).
   */
  @Test
  void theConfigurationWinsOverTheDashboardAndTheStartSaysWhichSourceWon_M7() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      assertThat(send(s, "POST", "/api/v1/products", "{\"name\":\"werf\"}").status())
          .isEqualTo(201);
    }
    // Only what an admin changed is kept, and no admin changed a setting.
    assertThat(JSON.readTree(Files.readString(data.resolve("products.json"))).path("settings"))
        .isEmpty();
    assertThat(Files.readString(data.resolve("products.json")))
        .doesNotContain("retention_days")
        .doesNotContain("min_installations");

    List<String> log = new ArrayList<>();
    try (TestServer s = startLogging(data, Map.of("BEACON_RETENTION__DAYS", "0"), log)) {
      JsonNode list = send(s, "GET", "/api/v1/products", null).json();
      assertThat(list.get("retention_days").asInt()).isZero();
      assertThat(list.at("/settings_sources/retention_days").asText()).isEqualTo("environment");
      assertThat(list.at("/settings_sources/min_installations").asText()).isEqualTo("default");
      assertThat(log)
          .contains("retention.days = 0 (from the environment (BEACON_RETENTION__DAYS))")
          .contains("dashboard.min_installations = 1 (from the default)");

      // What the environment sets, the dashboard cannot change (it would be lost at restart)...
      TestServer.Response refused =
          send(s, "PUT", "/api/v1/settings", "{\"min_installations\":5,\"retention_days\":90}");
      assertThat(refused.status()).isEqualTo(409);
      assertThat(refused.json().get("message").asText())
          .contains("retention.days is set by the environment (BEACON_RETENTION__DAYS)");
      // ...but the dashboard sends both fields, and the unchanged one is no change.
      assertThat(
              send(s, "PUT", "/api/v1/settings", "{\"min_installations\":5,\"retention_days\":0}")
                  .status())
          .isEqualTo(200);
    }
    JsonNode saved = JSON.readTree(Files.readString(data.resolve("products.json")));
    assertThat(saved.path("settings").toString()).isEqualTo("{\"min_installations\":5}");

    log.clear();
    try (TestServer s = startLogging(data, Map.of(), log)) { // the variable is gone
      JsonNode list = send(s, "GET", "/api/v1/products", null).json();
      assertThat(list.get("retention_days").asInt()).isEqualTo(400);
      assertThat(list.get("min_installations").asInt()).isEqualTo(5);
      assertThat(list.at("/settings_sources/min_installations").asText()).isEqualTo("dashboard");
      assertThat(log)
          .contains("retention.days = 400 (from the default)")
          .contains("dashboard.min_installations = 5 (from the dashboard (products.json))");
    }

    log.clear();
    try (TestServer s =
        startLogging(data, Map.of("BEACON_DASHBOARD__MIN_INSTALLATIONS", "3"), log)) {
      assertThat(send(s, "GET", "/api/v1/products", null).json().get("min_installations").asInt())
          .isEqualTo(3);
      assertThat(log)
          .contains(
              "dashboard.min_installations = 3 (from the environment"
                  + " (BEACON_DASHBOARD__MIN_INSTALLATIONS)); the dashboard's 5 in products.json is"
                  + " overridden");
    }
  }

  /** M7: a products.json of an older Beacon held both values, changed or not. */
  @Test
  void anOlderProductsJsonKeepsOnlyValuesThatDifferFromTheConfiguration_M7() throws Exception {
    Files.writeString(
        data.resolve("products.json"),
        "{\"products\":{},\"min_installations\":1,\"retention_days\":90}");
    try (TestServer s = TestServer.start(data, Map.of("BEACON_RETENTION__DAYS", "0"))) {
      JsonNode list = send(s, "GET", "/api/v1/products", null).json();
      assertThat(list.get("retention_days").asInt()).isZero();
      assertThat(list.at("/settings_sources/retention_days").asText()).isEqualTo("environment");
    }
    try (TestServer s = TestServer.start(data)) {
      JsonNode list = send(s, "GET", "/api/v1/products", null).json();
      assertThat(list.get("retention_days").asInt()).isEqualTo(90); // differs: an admin's
      assertThat(list.at("/settings_sources/retention_days").asText()).isEqualTo("dashboard");
      assertThat(list.at("/settings_sources/min_installations").asText()).isEqualTo("default");
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
