package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, the public transparency page: opt-in per product, no login, no cookie, a strict CSP,
 * and no bucket of fewer than k installations, on the page or in its JSON twin; its figures equal a
 * computation of its own from the admin's export of the same events.
 */
class PublicPageTest {
  static final String HOSTILE = "<script>alert(1)</script>";

  @TempDir Path data;

  /**
   * 30 installations: 14 on 2.0/Linux/amd64, 11 on 1.0/Linux/arm64, 4 on 0.9/macOS/arm64 (under k,
   * with one of them on Windows) and one sending a one-off field and event with a hostile name.
   */
  static void fleet(TestServer s) {
    StringBuilder sb = new StringBuilder("{\"batch\":[");
    for (int i = 0; i < 30; i++) {
      String version = i < 14 ? "2.0" : i < 25 ? "1.0" : "0.9";
      String os = i < 25 ? "Linux" : i == 29 ? "Windows" : "macOS";
      String arch = i < 14 ? "amd64" : "arm64";
      String extra = i == 29 ? ",\"" + HOSTILE.replace("\"", "\\\"") + "\":1" : "";
      sb.append(i == 0 ? "" : ",")
          .append("{\"type\":\"report\",\"anonymousId\":\"pub-")
          .append(i)
          .append("\",\"context\":{\"app\":{\"version\":\"")
          .append(version)
          .append("\"},\"os\":{\"name\":\"")
          .append(os)
          .append("\"},\"device\":{\"arch\":\"")
          .append(arch)
          .append("\"}},\"properties\":{\"vm_specs\":{\"num_cpus\":4},\"features\":{\"rules\":1}")
          .append(extra)
          .append("}},{\"type\":\"track\",\"event\":\"")
          .append(i == 29 ? "secret-" + HOSTILE.replace("\"", "\\\"") : "CommandExited")
          .append("\",\"anonymousId\":\"pub-")
          .append(i)
          .append("\",\"properties\":{\"command\":\"app build\"}}");
    }
    TestServer.Response r = s.post("/v1/batch", sb.append("]}").toString());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  static Map<String, String> publicEnv() {
    return Map.of("BEACON_PRODUCTS__ACME__PUBLIC", "true");
  }

  @Test
  void thePageAndItsTwinShowNoBucketUnderKAndNoCookie() throws Exception {
    try (TestServer s = TestServer.start(data, publicEnv())) {
      fleet(s);
      TestServer.Response page = s.get("/public/acme", null);
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.header("Content-Type")).startsWith("text/html");
      assertThat(page.raw().headers().firstValue("Set-Cookie")).isEmpty();
      assertThat(page.header("Content-Security-Policy"))
          .startsWith("default-src 'none'; style-src 'sha256-")
          .doesNotContain("unsafe");
      assertThat(page.header("Cache-Control")).isEqualTo("public, max-age=600");
      assertThat(page.body())
          .doesNotContain("<script")
          .doesNotContain("<td>0.9</td>") // a cell; the generated time may hold "0.9"
          .doesNotContain("macOS")
          .doesNotContain("Windows")
          .doesNotContain("secret-")
          .contains("vm_specs.num_cpus", "features.rules", "track CommandExited", "report report");

      JsonNode json = s.get("/public/acme.json", null).json();
      assertThat(json.get("min_installations").asInt()).isEqualTo(10);
      assertThat(json.at("/collects/report_fields").toString())
          .contains("vm_specs.num_cpus")
          .doesNotContain("script");
      for (String dimension : new String[] {"version", "os", "arch"}) {
        for (JsonNode week : json.at("/installations/" + dimension)) {
          for (JsonNode b : week.get("buckets")) {
            assertThat(b.get("installations").asLong()).as(dimension).isGreaterThanOrEqualTo(10);
          }
        }
      }
      // The twin's figures equal a computation from the admin's export of the same events.
      assertThat(buckets(json, "version")).isEqualTo(expectedFromExport(s, "version"));
      assertThat(buckets(json, "os")).isEqualTo(Map.of("Linux", 25L));
      assertThat(buckets(json, "arch")).isEqualTo(Map.of("amd64", 14L, "arm64", 16L));
    }
  }

  @Test
  void aProductThatIsNotPublicHasNoPage() {
    try (TestServer s = TestServer.start(data, publicEnv())) {
      for (String path :
          new String[] {"/public/emqx", "/public/emqx.json", "/public/nope", "/public/nope.json"}) {
        TestServer.Response r = s.get(path, null);
        assertThat(r.status()).as(path).isEqualTo(404);
        assertThat(r.body()).contains("no public page");
      }
    }
  }

  /** Buckets of the latest week of a dimension, by name. */
  private static Map<String, Long> buckets(JsonNode json, String dimension) {
    JsonNode weeks = json.at("/installations/" + dimension);
    Map<String, Long> out = new TreeMap<>();
    for (JsonNode b : weeks.get(weeks.size() - 1).get("buckets")) {
      out.put(b.get("name").asText(), b.get("installations").asLong());
    }
    return out;
  }

  /** Installations per version from the admin's export, under-k buckets merged as the page does. */
  private static Map<String, Long> expectedFromExport(TestServer s, String dimension)
      throws Exception {
    TestServer.Response export =
        s.get(
            "/api/v1/products/acme/export?days=7",
            TestServer.basic("admin", TestServer.ADMIN_PASSWORD));
    Map<String, Set<String>> by = new HashMap<>();
    for (String line : export.body().lines().toList()) {
      JsonNode e = TestServer.JSON.readTree(line);
      if (e.get(dimension).isNull()) {
        continue; // events without a version count under none
      }
      by.computeIfAbsent(e.get(dimension).asText(), x -> new HashSet<>())
          .add(e.get("installation_id").asText());
    }
    Map<String, Long> out = new TreeMap<>();
    long other = 0;
    for (Map.Entry<String, Set<String>> b : by.entrySet()) {
      if (b.getValue().size() >= 10) {
        out.put(b.getKey(), (long) b.getValue().size());
      } else {
        other += b.getValue().size();
      }
    }
    if (other >= 10) {
      out.put("other", other);
    }
    return out;
  }
}
