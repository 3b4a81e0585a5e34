package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 16, read-only API tokens: scoped to products (and to export and erase when given),
 * expiring, revocable, shown once and kept hashed; a bearer reads the query API and nothing else.
 */
class ApiTokenTest {
  private static final String ADMIN = TestServer.basic("admin", TestServer.ADMIN_PASSWORD);

  @TempDir Path data;

  private static JsonNode create(TestServer s, String body) {
    TestServer.Response r = s.request("POST", "/api/v1/tokens", body, ADMIN);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  @Test
  void aTokenReadsItsProductsQueryApiAndNothingElse() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    root.addAppender(log);
    String secret;
    try (TestServer s = TestServer.start(data)) {
      s.post(
          "/v1/batch",
          "{\"batch\":[{\"type\":\"track\",\"event\":\"x\",\"anonymousId\":\"i-1\"}]}");
      JsonNode made =
          create(
              s,
              "{\"name\":\"grafana\",\"products\":[\"acme\"],\"scopes\":[\"export\"],\"days\":30}");
      secret = made.get("token").asText();
      assertThat(secret).startsWith("bt_").hasSizeGreaterThan(30);
      String bearer = "Bearer " + secret;

      TestServer.Response list = s.get("/api/v1/tokens", ADMIN);
      assertThat(list.body()).contains("grafana", made.get("id").asText()).doesNotContain(secret);

      // What it may do: read its product's figures and summary, and export them.
      assertThat(s.get("/api/v1/products/acme/fleet/active", bearer).status()).isEqualTo(200);
      assertThat(s.get("/api/v1/products/acme/fleet/commands?format=csv", bearer).status())
          .isEqualTo(200);
      assertThat(s.get("/api/v1/products/acme/summary", bearer).json().get("events").asInt())
          .isEqualTo(1);
      assertThat(s.get("/api/v1/products/acme/export", bearer).body().lines()).hasSize(1);

      // Another product, a scope it lacks, and every admin route: refused, saying why.
      TestServer.Response other = s.get("/api/v1/products/emqx/fleet/active", bearer);
      assertThat(other.status()).isEqualTo(403);
      assertThat(other.body()).contains("may not read product emqx");
      TestServer.Response erase =
          s.request("DELETE", "/api/v1/products/acme/installations/i-1", null, bearer);
      assertThat(erase.status()).isEqualTo(403);
      assertThat(erase.body()).contains("may not erase");
      for (String[] admin :
          List.of(
              new String[] {"GET", "/api/v1/products"},
              new String[] {"GET", "/api/v1/tokens"},
              new String[] {"POST", "/api/v1/tokens"},
              new String[] {"POST", "/api/v1/products"},
              new String[] {"PUT", "/api/v1/settings"},
              new String[] {"DELETE", "/api/v1/products/acme"},
              new String[] {"GET", "/api/v1/products/acme/quarantine"},
              new String[] {"GET", "/api/v1/audit"},
              new String[] {"GET", "/metrics"})) {
        TestServer.Response r =
            s.request(admin[0], admin[1], admin[0].equals("GET") ? null : "{}", bearer);
        assertThat(r.status()).as("%s %s", admin[0], admin[1]).isIn(401, 403, 404);
        assertThat(r.status()).as("%s %s", admin[0], admin[1]).isNotEqualTo(200);
      }
      // Not a write key either.
      TestServer.Response write =
          s.post(
              "/v1/batch",
              "{\"batch\":[{\"type\":\"track\",\"event\":\"x\",\"anonymousId\":\"i-2\"}]}"
                  .getBytes(StandardCharsets.UTF_8),
              "Authorization",
              bearer);
      assertThat(write.status()).isEqualTo(401);
      assertThat(s.server.store().count("acme")).isEqualTo(1);

      // Unknown, and revoked: refused at once.
      assertThat(s.get("/api/v1/products/acme/fleet/active", "Bearer bt_nope").status())
          .isEqualTo(401);
      assertThat(
              s.request("DELETE", "/api/v1/tokens/" + made.get("id").asText(), null, ADMIN)
                  .status())
          .isEqualTo(200);
      TestServer.Response revoked = s.get("/api/v1/products/acme/fleet/active", bearer);
      assertThat(revoked.status()).isEqualTo(401);
      assertThat(revoked.body()).contains("unknown or revoked");
      assertThat(s.request("DELETE", "/api/v1/tokens/tok_nope", null, ADMIN).status())
          .isEqualTo(400);
    } finally {
      root.detachAppender(log);
    }
    // Never in clear: not in any file of the data directory, not in any log line.
    try (Stream<Path> files = Files.walk(data)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
            .as(f.toString())
            .doesNotContain(secret);
      }
    }
    List<String> lines = new ArrayList<>();
    log.list.forEach(e -> lines.add(e.getFormattedMessage()));
    assertThat(lines).isNotEmpty().noneMatch(l -> l.contains(secret));
  }

  @Test
  void anExpiredTokenIsRefusedAndATokenWithEraseMayErase() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      s.post(
          "/v1/batch",
          "{\"batch\":[{\"type\":\"track\",\"event\":\"x\",\"anonymousId\":\"i-1\"}]}");
      String eraser =
          create(s, "{\"name\":\"gdpr desk\",\"products\":[\"acme\"],\"scopes\":[\"erase\"]}")
              .get("token")
              .asText();
      TestServer.Response erased =
          s.request("DELETE", "/api/v1/products/acme/installations/i-1", null, "Bearer " + eraser);
      assertThat(erased.status()).as(erased.body()).isEqualTo(200);
      assertThat(s.get("/api/v1/audit", ADMIN).body()).contains("token gdpr desk");
      assertThat(s.get("/api/v1/products/acme/export", "Bearer " + eraser).status()).isEqualTo(403);

      // Its expiry passes (as another process's edit of products.json would make it).
      Path file = data.resolve("products.json");
      ObjectMapper json = new ObjectMapper();
      ObjectNode n = (ObjectNode) json.readTree(file.toFile());
      ((ObjectNode) n.get("tokens").get(0)).put("expires", "2020-01-01T00:00:00Z");
      Files.writeString(file, json.writeValueAsString(n));
      TestServer.Response expired = s.get("/api/v1/products/acme/fleet/active", "Bearer " + eraser);
      assertThat(expired.status()).isEqualTo(401);
      assertThat(expired.body()).contains("expired");
    }
  }

  @Test
  void wrongTokenRequestsAreRefusedWithTheReason() {
    try (TestServer s = TestServer.start(data)) {
      for (String[] c :
          List.of(
              new String[] {"{\"name\":\"x\",\"products\":[]}", "name the products"},
              new String[] {"{\"name\":\"x\",\"products\":[\"nope\"]}", "no product named"},
              new String[] {
                "{\"name\":\"x\",\"products\":[\"acme\"],\"scopes\":[\"write\"]}", "export or erase"
              },
              new String[] {
                "{\"name\":\"x\",\"products\":[\"acme\"],\"days\":0}", "1 to 3650 days"
              },
              new String[] {"{\"name\":\" \",\"products\":[\"acme\"]}", "1 to 100 characters"},
              new String[] {"{\"name\":\"x\",\"products\":\"acme\"}", "send {"},
              new String[] {"[", "JSON"})) {
        TestServer.Response r = s.request("POST", "/api/v1/tokens", c[0], ADMIN);
        assertThat(r.status()).as(c[0]).isEqualTo(400);
        assertThat(r.body()).as(c[0]).contains(c[1]);
      }
      assertThat(s.get("/api/v1/tokens", ADMIN).json().get("tokens")).isEmpty();
    }
  }
}
