package dev.beacon.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.server.web.TestServer;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: keys a person can find. {@code ./beacon products add} beside a running server, and what
 * the server counts of the requests it refuses.
 */
class ProductsCommandTest {
  @TempDir Path tmp;

  private static final String EVENT =
      "{\"type\":\"track\",\"event\":\"started\",\"anonymousId\":\"i-1\",\"messageId\":\"m-1\"}";

  private static BeaconCliTest.Run run(String... args) {
    return BeaconCliTest.run(args);
  }

  @Test
  void aProductAddedBesideARunningServerIsAcceptedAtOnceWithTheKeyPrintedOnce() {
    Path data = tmp.resolve("data");
    try (TestServer s = TestServer.start(data)) {
      BeaconCliTest.Run added = run("products", "add", "shop", "--data", data.toString());
      assertThat(added.exit()).as(added.err()).isZero();
      Matcher m = Pattern.compile("\\n  (wk_[A-Za-z0-9_-]{32})\\n").matcher(added.out());
      assertThat(m.find()).as(added.out()).isTrue();
      String key = m.group(1);
      assertThat(added.out())
          .contains("SHOP_TELEMETRY_ENDPOINT=http://<server>:8080 SHOP_TELEMETRY_WRITE_KEY=" + key);

      // The dashboard's API knows it at once too (before any request with its key).
      String admin = TestServer.basic("admin", TestServer.ADMIN_PASSWORD);
      assertThat(s.get("/api/v1/products/shop/summary?days=1", admin).status()).isEqualTo(200);
      assertThat(s.get("/api/v1/products", admin).json().get("products").toString())
          .contains("\"shop\"");

      TestServer.Response r =
          s.post("/v1/track", EVENT.getBytes(UTF_8), "Authorization", TestServer.basic(key, ""));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(s.server.store().count("shop")).isEqualTo(1);

      // Only a hash of the key is kept.
      assertThat(data.resolve("products.json")).content().doesNotContain(key).contains("shop");

      BeaconCliTest.Run list = run("products", "list", "--data", data.toString());
      // The server's own configured product (acme) is in its configuration, not this process's.
      assertThat(list.out()).contains("shop\tdata directory\n");
      BeaconCliTest.Run again = run("products", "add", "shop", "--data", data.toString());
      assertThat(again.exit()).isEqualTo(1);
      assertThat(again.err()).contains("product 'shop' exists already");
      BeaconCliTest.Run bad = run("products", "add", "Shop!", "--data", data.toString());
      assertThat(bad.exit()).isEqualTo(1);
      assertThat(bad.err()).contains("lower case letters");
    }
  }

  @Test
  void aDataDirectoryNoServerUsesIsRefusedAndNothingIsCreated() {
    Path nowhere = tmp.resolve("no-such-data");
    BeaconCliTest.Run r = run("products", "add", "shop", "--data", nowhere.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("no data directory at " + nowhere, "--data");
    assertThat(r.out()).doesNotContain("wk_");
    assertThat(nowhere).doesNotExist();
  }

  /** A name the server's configuration declares gets no second key from a command line. */
  @Test
  void aKeyAddedForAProductTheServerConfiguresIsNeverAccepted() {
    Path data = tmp.resolve("data");
    try (TestServer s = TestServer.start(data)) {
      BeaconCliTest.Run added = run("products", "add", "acme", "--data", data.toString());
      // This process's configuration does not declare acme, so the command line made a key...
      assertThat(added.exit()).as(added.err()).isZero();
      Matcher m = Pattern.compile("\\n  (wk_[A-Za-z0-9_-]{32})\\n").matcher(added.out());
      assertThat(m.find()).isTrue();
      // ...which the server, whose configuration does, ignores.
      TestServer.Response r =
          s.post(
              "/v1/track",
              EVENT.getBytes(UTF_8),
              "Authorization",
              TestServer.basic(m.group(1), ""));
      assertThat(r.status()).isEqualTo(401);
      assertThat(s.post("/v1/track", EVENT).status()).isEqualTo(200); // the configured key works
    }
  }

  @Test
  void aProductCreatedInTheDashboardSurvivesAProductAddedFromTheCommandLine() {
    Path data = tmp.resolve("data");
    try (TestServer s = TestServer.start(data)) {
      String admin = TestServer.basic("admin", TestServer.ADMIN_PASSWORD);
      TestServer.Response created =
          s.request("POST", "/api/v1/products", "{\"name\":\"web\"}", admin);
      assertThat(created.status()).isEqualTo(201);
      assertThat(run("products", "add", "cli", "--data", data.toString()).exit()).isZero();
      // The server's next change reads the file first: the product added beside it stays.
      assertThat(s.request("POST", "/api/v1/products", "{\"name\":\"third\"}", admin).status())
          .isEqualTo(201);
      assertThat(run("products", "list", "--data", data.toString()).out())
          .contains("web\t", "cli\t", "third\t");
      assertThat(s.get("/api/v1/products", admin).json().get("products").toString())
          .contains("\"web\"", "\"cli\"", "\"third\"");
    }
  }

  @Test
  void refusedRequestsAreCountedByReasonWithoutKeysOrAddresses() {
    Path data = tmp.resolve("data");
    try (TestServer s = TestServer.start(data)) {
      String admin = TestServer.basic("admin", TestServer.ADMIN_PASSWORD);
      String wrongKey = "wk_wrong_key_material_123";
      s.post("/v1/track", EVENT.getBytes(UTF_8), "Authorization", TestServer.basic(wrongKey, ""));
      s.post("/v1/track", "{");
      TestServer.Response unknown = s.get("/v2/nothing-here", null);
      assertThat(unknown.status()).isEqualTo(404);
      assertThat(unknown.json().get("error").asText()).isEqualTo("unknown_path");

      JsonNode counts = s.get("/api/v1/refusals", admin).json();
      assertThat(counts.path("reasons").path("unauthorized").asLong()).isEqualTo(1);
      assertThat(counts.path("reasons").path("malformed").asLong()).isEqualTo(1);
      assertThat(counts.path("reasons").path("unknown_path").asLong()).isEqualTo(1);
      assertThat(counts.path("reasons").path("too_large").asLong()).isZero();
      assertThat(counts.path("codes").path("unauthorized/unknown_write_key").asLong()).isEqualTo(1);
      String metrics = s.get("/metrics", admin).body();
      assertThat(metrics)
          .contains(
              "beacon_refused_requests_total{code=\"unknown_write_key\",reason=\"unauthorized\"} 1.0")
          .contains("beacon_refused_requests_total{code=\"unknown_path\",reason=\"unknown_path\"}");
      assertThat(counts.toString() + metrics).doesNotContain(wrongKey).doesNotContain("127.0.0.1");
    }
  }
}
