package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.server.simulate.Simulator;
import dev.beacon.server.storage.Table;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueryRoutesTest {
  @TempDir Path data;

  private static final String ADMIN = TestServer.basic("admin", TestServer.ADMIN_PASSWORD);

  @Test
  void everyFleetQueryAnswersJsonAndCsvToTheAdminOnly() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      new Simulator(URI.create(s.server.url()), TestServer.ACME_KEY).run(30, 20, 5);
      for (String q :
          List.of(
              "active",
              "new-lost",
              "versions",
              "breakdown?by=os",
              "breakdown?by=memory",
              "clusters",
              "adoption",
              "field?path=vm_specs.num_cpus",
              "commands",
              "options",
              "health",
              "activity",
              "growth",
              "version-share",
              "releases",
              "upgrades",
              "retention",
              "feature-trend",
              "feature-versions",
              "command-trend",
              "command-versions",
              "exit-codes",
              "health-units")) {
        String path = "/api/v1/products/acme/fleet/" + q;
        TestServer.Response r = s.get(path, ADMIN);
        assertThat(r.status()).as(path + " " + r.body()).isEqualTo(200);
        JsonNode json = r.json();
        assertThat(json.get("columns").isArray()).isTrue();
        assertThat(json.get("rows").size()).as(path).isPositive();
        assertThat(s.get(path, null).status()).isEqualTo(401);
        String sep = q.contains("?") ? "&" : "?";
        TestServer.Response csv = s.get(path + sep + "format=csv", ADMIN);
        assertThat(csv.header("Content-Type")).startsWith("text/csv");
        assertThat(csv.body().split("\r\n")).hasSize(json.get("rows").size() + 1);
      }
      JsonNode active = s.get("/api/v1/products/acme/fleet/active", ADMIN).json();
      assertThat(active.at("/rows/0/2").asLong()).isBetween(1L, 30L);
    }
  }

  @Test
  void badParametersAreRefusedWithTheRule() {
    try (TestServer s = TestServer.start(data)) {
      TestServer.Response path = s.get("/api/v1/products/acme/fleet/field?path=a')--", ADMIN);
      assertThat(path.status()).isEqualTo(400);
      assertThat(path.json().get("message").asText()).contains("field path");
      assertThat(
              s.get("/api/v1/products/acme/fleet/breakdown?by=hostname", ADMIN)
                  .json()
                  .get("message")
                  .asText())
          .contains("by must be one of");
      assertThat(s.get("/api/v1/products/acme/fleet/active?days=0", ADMIN).status()).isEqualTo(400);
      assertThat(s.get("/api/v1/products/nope/fleet/active", ADMIN).status()).isEqualTo(404);
    }
  }

  @Test
  void smallBucketsAreHiddenBelowTheConfiguredMinimum() throws Exception {
    try (TestServer s =
        TestServer.start(data, Map.of("BEACON_DASHBOARD__MIN_INSTALLATIONS", "10"))) {
      new Simulator(URI.create(s.server.url()), TestServer.ACME_KEY).run(30, 20, 5);
      JsonNode os = s.get("/api/v1/products/acme/fleet/breakdown?by=os", ADMIN).json();
      for (JsonNode row : os.get("rows")) {
        assertThat(row.get(1).asLong()).isGreaterThanOrEqualTo(10);
      }
    }
  }

  @Test
  void csvCellsThatLookLikeFormulasAreDefused() {
    Table t =
        new Table(
            List.of("value", "installations"),
            List.of(List.<Object>of("=HYPERLINK(\"x\")", 3), List.<Object>of("a,b", 2)));
    assertThat(QueryRoutes.csv(t))
        .isEqualTo("value,installations\r\n\"'=HYPERLINK(\"\"x\"\")\",3\r\n\"a,b\",2\r\n");
  }
}
