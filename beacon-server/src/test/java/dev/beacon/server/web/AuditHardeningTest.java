package dev.beacon.server.web;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.management.OperatingSystemMXBean;
import dev.beacon.server.storage.QuarantinedEvent;
import dev.beacon.server.storage.StoredEvent;
import java.lang.management.ManagementFactory;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reproductions of the December audit (shared/audits/security-2026-12.md) against a real
 * server: each test names the finding it covers, and each failed on commit 701cc62.
 */
class AuditHardeningTest {
  private static final String ADMIN = TestServer.basic("admin", TestServer.ADMIN_PASSWORD);
  private static final List<String> VIEWS =
      List.of(
          "active",
          "new-lost",
          "versions",
          "breakdown?by=os",
          "breakdown?by=arch",
          "breakdown?by=runtime",
          "breakdown?by=cpus",
          "breakdown?by=memory",
          "breakdown?by=edition",
          "clusters",
          "adoption",
          "field?path=vm_specs.num_cpus",
          "commands",
          "options",
          "health");

  @TempDir Path data;
  private TestServer s;

  @BeforeEach
  void start() {
    s = TestServer.start(data, storage());
  }

  /** The store under test: DuckDB here, PostgreSQL in {@link AuditHardeningPostgresTest}. */
  protected Map<String, String> storage() {
    return Map.of();
  }

  @AfterEach
  void stop() {
    s.close();
  }

  private TestServer.Response emqx(String body) {
    return s.post("/api/telemetry", body.getBytes(UTF_8));
  }

  private static String report(String uuid, String extra) {
    return "{\"uuid\":\""
        + uuid
        + "\",\"emqx_version\":\"5.0.9\",\"os_name\":\"Ubuntu\""
        + extra
        + "}";
  }

  private void assertEveryViewAnswers(String product) {
    for (String view : VIEWS) {
      TestServer.Response r = s.get("/api/v1/products/" + product + "/fleet/" + view, ADMIN);
      assertThat(r.status()).as(view + ": " + r.body()).isEqualTo(200);
    }
  }

  @Test
  void h1NoCredentialsNoLongerBreakAView() throws Exception {
    String clean1 = UUID.randomUUID().toString();
    String clean2 = UUID.randomUUID().toString();
    assertThat(
            emqx(report(clean1, ",\"vm_specs\":{\"num_cpus\":8,\"total_memory\":17179869184}"))
                .status())
        .isEqualTo(200);
    // A number in a string, as some clients send, is typed once at ingest.
    assertThat(
            emqx(report(
                    clean2, ",\"vm_specs\":{\"num_cpus\":\"8\",\"total_memory\":\"17179869184\"}"))
                .status())
        .isEqualTo(200);
    // Reproduction A: a wrong-typed value is refused, naming the field; an odd key is kept.
    TestServer.Response a =
        emqx(
            report(
                UUID.randomUUID().toString(),
                ",\"vm_specs\":{\"total_memory\":\"lots\"},\"features\":{\"x[\":1}"));
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().get("message").asText())
        .contains("properties.vm_specs.total_memory must be a number");
    assertThat(
            emqx(report(UUID.randomUUID().toString(), ",\"features\":{\"x[\":1,\"a.b\":1}"))
                .status())
        .isEqualTo(200);
    // A valid number out of range: refused too.
    assertThat(
            emqx(report(UUID.randomUUID().toString(), ",\"vm_specs\":{\"total_memory\":1e300}"))
                .status())
        .isEqualTo(400);
    // Reproduction B: a UTF-16 body is stored as UTF-8 JSON, readable by every query.
    String u16 = UUID.randomUUID().toString();
    TestServer.Response b =
        s.post("/api/telemetry", report(u16, "").getBytes(Charset.forName("UTF-16LE")));
    assertThat(b.status()).as(b.body()).isEqualTo(200);
    StoredEvent stored =
        s.server.store().events("emqx", 100).stream()
            .filter(e -> u16.equals(e.installationId()))
            .findFirst()
            .orElseThrow();
    assertThat(TestServer.JSON.readTree(stored.properties()).get("emqx_version").asText())
        .isEqualTo("5.0.9");
    assertEveryViewAnswers("emqx");
    // The clean installations' figures are right: both report 8 CPUs and 16 GiB.
    JsonNode cpus = s.get("/api/v1/products/emqx/fleet/breakdown?by=cpus", ADMIN).json();
    assertThat(cpus.get("rows").toString()).contains("[\"8\",2]");
    JsonNode memory = s.get("/api/v1/products/emqx/fleet/breakdown?by=memory", ADMIN).json();
    assertThat(memory.get("rows").toString()).contains("[\"16\",2]");
    JsonNode adoption = s.get("/api/v1/products/emqx/fleet/adoption", ADMIN).json();
    assertThat(adoption.get("rows").toString()).contains("\"a.b\"").contains("\"x[\"");
  }

  @Test
  void h1AWriteKeyHolderCannotBreakCommandsOrHealth() {
    TestServer.Response c =
        s.post(
            "/v1/batch",
            "{\"batch\":[{\"type\":\"track\",\"event\":\"CommandExited\",\"anonymousId\":\"a1\","
                + "\"properties\":{\"command\":\"x\",\"eventData\":{\"exitCode\":0,\"durationMs\":\"slow\"}}},"
                + "{\"type\":\"track\",\"event\":\"health\",\"anonymousId\":\"a1\","
                + "\"properties\":{\"health-unit-a-unhealthy\":\"n/a\",\"b\\\"c\":1}},"
                + "{\"type\":\"track\",\"event\":\"health\",\"anonymousId\":\"a2\","
                + "\"properties\":{\"health-unit-a-unhealthy\":2,\"b\\\"c\":1,\"\":3}}]}");
    assertThat(c.status()).as(c.body()).isEqualTo(200);
    assertThat(c.json().get("accepted").asInt()).isEqualTo(1);
    assertThat(c.json().at("/rejected/0/reason").asText())
        .contains("properties.eventData.durationMs must be a number");
    assertThat(c.json().at("/rejected/1/reason").asText())
        .contains("properties.health-unit-a-unhealthy must be a number");
    assertEveryViewAnswers("acme");
    JsonNode health = s.get("/api/v1/products/acme/fleet/health", ADMIN).json();
    assertThat(health.at("/rows/0/1").asDouble()).isEqualTo(2.0);
  }

  @Test
  void h2TheAuditsBatchContextBombCostsLittleAndStoresOnlyItsBoundedShare() {
    StringBuilder body = new StringBuilder("{\"batch\":[");
    for (int i = 0; i < 2500; i++) {
      body.append(i == 0 ? "" : ",")
          .append("{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a")
          .append(i)
          .append("\"}");
    }
    body.append("],\"context\":{");
    for (int i = 0; i < 105; i++) {
      body.append(i == 0 ? "" : ",")
          .append("\"k")
          .append(String.format("%03d", i))
          .append("\":\"")
          .append("x".repeat(8000))
          .append('"');
    }
    body.append("}}");
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    TestServer.Response r = s.post("/v1/batch", body.toString());
    long cpuNanos = os.getProcessCpuTime() - cpuBefore;
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    // 37 s of server CPU on 701cc62; here the whole process, client and commit included.
    assertThat(cpuNanos).isLessThan(1_000_000_000L);
    // The context's keys are none Beacon keeps: not one byte of them is stored, 2500 times.
    List<StoredEvent> stored = s.server.store().events("acme", 3000);
    assertThat(stored).hasSize(2500);
    assertThat(stored).allSatisfy(e -> assertThat(e.context()).isEqualTo("{}"));
    assertThat(s.server.store().quarantined("acme", 1000)).isEmpty();
  }

  @Test
  void h2ABatchContextOverItsBoundIsRefusedAsAWhole() {
    String context =
        "{\"library\":{\"name\":\""
            + "y".repeat(8000)
            + "\"},\"locale\":\""
            + "z".repeat(8000)
            + "\",\"timezone\":\""
            + "t".repeat(1000)
            + "\"}";
    TestServer.Response r =
        s.post(
            "/v1/batch",
            "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a\"}],\"context\":"
                + context
                + "}");
    assertThat(r.status()).as(r.body()).isEqualTo(413);
    assertThat(r.json().get("error").asText()).isEqualTo("invalid_context");
    assertThat(r.json().get("message").asText()).contains("the limit is 16384");
    assertThat(s.server.store().count("acme")).isZero();
  }

  @Test
  void h2TheQuarantineKeepsTheBatchContextOnceAndItsListingIsPagedAndSmall() {
    StringBuilder body = new StringBuilder("{\"batch\":[");
    for (int i = 0; i < 300; i++) {
      // No anonymousId: every one is refused.
      body.append(i == 0 ? "" : ",")
          .append("{\"type\":\"track\",\"event\":\"e")
          .append(i)
          .append("\",\"properties\":{\"p\":\"")
          .append("v".repeat(3000))
          .append("\"}}");
    }
    body.append("],\"context\":{\"locale\":\"").append("l".repeat(8000)).append("\"}}");
    TestServer.Response r = s.post("/v1/batch", body.toString());
    assertThat(r.status()).isEqualTo(400);
    List<QuarantinedEvent> kept = s.server.store().quarantined("acme", 1000);
    assertThat(kept).hasSize(100); // at most 100 a request
    assertThat(kept).allSatisfy(q -> assertThat(q.raw().length()).isLessThan(12_000));
    JsonNode page = s.get("/api/v1/products/acme/quarantine?limit=30", ADMIN).json();
    assertThat(page.get("events")).hasSize(30);
    assertThat(page.at("/events/0/raw_truncated").asBoolean()).isTrue();
    assertThat(page.at("/events/0/raw").asText()).hasSize(AdminRoutes.LISTED_RAW_CHARS);
    long next = page.get("next_before").asLong();
    JsonNode second =
        s.get("/api/v1/products/acme/quarantine?limit=100&before=" + next, ADMIN).json();
    assertThat(second.get("events")).hasSize(70);
    assertThat(second.get("next_before").isNull()).isTrue();
    JsonNode one =
        s.get("/api/v1/products/acme/quarantine/" + page.at("/events/0/id").asLong(), ADMIN).json();
    assertThat(one.get("raw").asText()).contains("\"batchContext\":{\"locale\"");
    assertThat(s.get("/api/v1/products/acme/quarantine?limit=1000", ADMIN).status()).isEqualTo(400);
  }

  @Test
  void m2AWriteKeyInTheBodyIsNeverKeptInQuarantine() {
    TestServer.Response r =
        s.post(
            "/v1/track",
            ("{\"writeKey\":\"" + TestServer.ACME_KEY + "\",\"event\":\"x\"}").getBytes(UTF_8));
    assertThat(r.status()).isEqualTo(400);
    assertThat(s.server.store().quarantined("acme", 10)).hasSize(1);
    assertThat(s.server.store().quarantined("acme", 10).get(0).raw())
        .doesNotContain(TestServer.ACME_KEY);
    assertThat(s.get("/api/v1/products/acme/quarantine", ADMIN).body())
        .doesNotContain(TestServer.ACME_KEY);
  }

  @Test
  void m4TheEmqxEndpointTakesOnlyJsonAndSmallReports() {
    TestServer.Response plain =
        s.post(
            "/api/telemetry",
            report(UUID.randomUUID().toString(), "").getBytes(UTF_8),
            "Content-Type",
            "text/plain");
    assertThat(plain.status()).isEqualTo(415);
    TestServer.Response big =
        emqx(report(UUID.randomUUID().toString(), ",\"pad\":\"" + "p".repeat(40_000) + "\""));
    assertThat(big.status()).isEqualTo(413);
  }

  @Test
  void m4OneSenderCannotTakeTheEmqxEndpointForEveryone() {
    int limited = 0;
    for (int i = 0; i < 40; i++) {
      TestServer.Response r = emqx(report(UUID.randomUUID().toString(), ""));
      if (r.status() == 429) {
        limited++;
        assertThat(r.json().get("message").asText()).contains("one sender of the EMQX endpoint");
        assertThat(r.header("Retry-After")).isNotNull();
      }
    }
    assertThat(limited).isPositive();
  }

  @Test
  void m4TheEmqxEndpointStoresAtMostItsBytesADay(@TempDir Path other) {
    try (TestServer small =
        TestServer.start(other, Map.of("BEACON_LIMITS__EMQX_MAX_BYTES_PER_DAY", "2048"))) {
      int accepted = 0;
      TestServer.Response last = null;
      for (int i = 0; i < 8; i++) {
        last =
            small.post(
                "/api/telemetry",
                report(UUID.randomUUID().toString(), ",\"pad\":\"" + "p".repeat(400) + "\"")
                    .getBytes(UTF_8));
        if (last.status() == 200) {
          accepted++;
        }
      }
      assertThat(accepted).isBetween(4, 5);
      assertThat(last.status()).isEqualTo(429);
      assertThat(last.json().get("error").asText()).isEqualTo("daily_budget_spent");
    }
  }

  @Test
  void m4NothingIsReadWhenTheEmqxEndpointIsNotConfigured(@TempDir Path other) {
    try (TestServer none = TestServer.start(other, Map.of("BEACON_COMPAT__EMQX__PRODUCT", ""))) {
      TestServer.Response r = none.post("/api/telemetry", new byte[2 * 1024 * 1024]);
      assertThat(r.status()).isEqualTo(404); // not 413: the body was never read
    }
  }

  @Test
  void m6TwoIdenticalEventsWithoutAnIdAreBothStored() {
    String e = "{\"type\":\"track\",\"event\":\"button_clicked\",\"anonymousId\":\"u1\"}";
    assertThat(s.post("/v1/track", e).json().get("accepted").asInt()).isEqualTo(1);
    assertThat(s.post("/v1/track", e).json().get("accepted").asInt()).isEqualTo(1);
    TestServer.Response batch = s.post("/v1/batch", "{\"batch\":[" + e + "," + e + "]}");
    assertThat(batch.json().get("accepted").asInt()).isEqualTo(2);
    assertThat(s.server.store().count("acme")).isEqualTo(4);
  }

  @Test
  void l7TheEventLimitCountsBytesNotCharacters() {
    // 25,000 characters, 75,000 bytes in UTF-8: over the 64 KiB limit (accepted on 701cc62).
    StringBuilder props = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      props
          .append(i == 0 ? "" : ",")
          .append("\"p")
          .append(i)
          .append("\":\"")
          .append("€".repeat(2500))
          .append('"');
    }
    TestServer.Response r =
        s.post(
            "/v1/track", "{\"event\":\"e\",\"anonymousId\":\"a\",\"properties\":{" + props + "}}");
    assertThat(r.status()).as(r.body()).isEqualTo(413);
    assertThat(r.json().get("message").asText()).contains("the limit is 65536");
  }

  @Test
  void l8AnEventOlderThanTheRetentionIsRefusedNotAcknowledgedAndDeleted() {
    TestServer.Response r =
        s.post(
            "/v1/batch",
            "{\"batch\":[{\"event\":\"e\",\"type\":\"track\",\"anonymousId\":\"a\",\"timestamp\":\"2001-01-01T00:00:00Z\"}]}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().at("/rejected/0/reason").asText())
        .contains("is older than the retention of 400 days");
  }

  @Test
  void l10AnOutOfRangeNumberIsRefusedNotStoredAsInfinity() {
    TestServer.Response r =
        s.post(
            "/v1/track", "{\"event\":\"e\",\"anonymousId\":\"a\",\"properties\":{\"n\":1e999999}}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("error").asText()).isEqualTo("invalid_number");
    assertThat(r.json().get("message").asText()).contains("/properties/n");
  }

  @Test
  void l12IdentifiersInTheSegmentContextAreNotStored() throws Exception {
    TestServer.Response r =
        s.post(
            "/v1/track",
            "{\"event\":\"e\",\"anonymousId\":\"a\",\"messageId\":\"ctx-1\",\"context\":{"
                + "\"ip\":\"203.0.113.9\",\"userAgent\":\"Mozilla/5.0 (X11)\","
                + "\"page\":{\"url\":\"https://app.example/?email=a@b.c\"},"
                + "\"location\":{\"city\":\"Paris\"},"
                + "\"device\":{\"id\":\"dev-123\",\"advertisingId\":\"ad-9\",\"type\":\"server\"},"
                + "\"app\":{\"name\":\"demo\",\"version\":\"1.2.3\"},\"locale\":\"fr-FR\"}}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    StoredEvent e =
        s.server.store().events("acme", 10).stream()
            .filter(x -> x.messageId().equals("ctx-1"))
            .findFirst()
            .orElseThrow();
    assertThat(e.context())
        .doesNotContain("203.0.113.9", "Mozilla", "email", "Paris", "dev-123", "ad-9");
    JsonNode context = TestServer.JSON.readTree(e.context());
    assertThat(context.at("/device/type").asText()).isEqualTo("server");
    assertThat(context.at("/app/version").asText()).isEqualTo("1.2.3");
    assertThat(context.get("locale").asText()).isEqualTo("fr-FR");
    assertThat(context.size()).isEqualTo(3);
    assertThat(e.version()).isEqualTo("1.2.3");
  }

  @Test
  void anEmqxUuidMustBeAUuidAndNothingElseIsStored() {
    TestServer.Response r = emqx(report("evil-1", ""));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("message").asText()).startsWith("uuid must be a UUID");
    TestServer.Response c =
        emqx(
            "{\"uuid\":\""
                + UUID.randomUUID()
                + "\",\"cluster_uuid\":\"node@host\",\"emqx_version\":\"5\"}");
    assertThat(c.json().get("message").asText()).startsWith("cluster_uuid must be a UUID");
    assertThat(s.server.store().count("emqx")).isZero();
  }
}
