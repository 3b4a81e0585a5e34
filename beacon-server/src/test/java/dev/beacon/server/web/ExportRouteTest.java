package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.server.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, export over HTTP and from the command line: admin only, every format named in the
 * answer's type and file name, bad parameters refused with the reason.
 */
class ExportRouteTest {
  private static final String ADMIN = TestServer.basic("admin", TestServer.ADMIN_PASSWORD);

  @TempDir Path data;

  private static void send(TestServer s, int n) {
    StringBuilder sb = new StringBuilder("{\"batch\":[");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ",")
          .append("{\"type\":\"track\",\"event\":\"=cmd|' /C calc'!A0\",\"anonymousId\":\"i-")
          .append(i % 7)
          .append("\",\"messageId\":\"m-")
          .append(i)
          .append("\",\"properties\":{\"n\":")
          .append(i)
          .append("}}");
    }
    assertThat(s.post("/v1/batch", sb.append("]}").toString()).status()).isEqualTo(200);
  }

  @Test
  void anAdminExportsEachFormat() {
    try (TestServer s = TestServer.start(data)) {
      send(s, 50);
      TestServer.Response jsonl = s.get("/api/v1/products/acme/export?days=7", ADMIN);
      assertThat(jsonl.status()).isEqualTo(200);
      assertThat(jsonl.header("Content-Type")).startsWith("application/x-ndjson");
      assertThat(jsonl.header("Content-Disposition")).contains("acme-events.jsonl");
      assertThat(jsonl.body().lines()).hasSize(50).allMatch(l -> l.contains("\"properties\":{"));

      TestServer.Response csv = s.get("/api/v1/products/acme/export?format=csv", ADMIN);
      assertThat(csv.status()).isEqualTo(200);
      assertThat(csv.header("Content-Type")).startsWith("text/csv");
      assertThat(csv.body().lines()).hasSize(51);
      assertThat(csv.body()).contains("'=cmd").doesNotContain(",=cmd");

      TestServer.Response parquet =
          s.get("/api/v1/products/acme/export?format=parquet&from=2020-01-01", ADMIN);
      assertThat(parquet.status()).isEqualTo(200);
      assertThat(parquet.body()).startsWith("PAR1");

      TestServer.Response none =
          s.get("/api/v1/products/acme/export?from=2020-01-01&to=2020-02-01", ADMIN);
      assertThat(none.status()).isEqualTo(200);
      assertThat(none.body()).isEmpty();
    }
  }

  @Test
  void wrongRequestsAreRefusedWithTheReason() {
    try (TestServer s = TestServer.start(data)) {
      send(s, 3);
      assertThat(s.get("/api/v1/products/acme/export", null).status()).isEqualTo(401);
      assertThat(s.get("/api/v1/products/nope/export", ADMIN).status()).isEqualTo(404);
      TestServer.Response format = s.get("/api/v1/products/acme/export?format=xlsx", ADMIN);
      assertThat(format.status()).isEqualTo(400);
      assertThat(format.body()).contains("jsonl, csv or parquet");
      TestServer.Response date = s.get("/api/v1/products/acme/export?from=yesterday", ADMIN);
      assertThat(date.status()).isEqualTo(400);
      assertThat(date.body()).contains("from must be a date");
      TestServer.Response order =
          s.get("/api/v1/products/acme/export?from=2026-02-01&to=2026-01-01", ADMIN);
      assertThat(order.status()).isEqualTo(400);
      assertThat(order.body()).contains("from must be before to");
      assertThat(s.get("/api/v1/products/acme/export?days=0", ADMIN).status()).isEqualTo(400);
    }
  }

  @Test
  void theCommandLineExportsThroughTheServerAndFromTheStore() throws Exception {
    Path out = data.resolve("out.csv");
    try (TestServer s = TestServer.start(data)) {
      send(s, 20);
      CliRunner.Run r =
          CliRunner.run(
              Map.of("BEACON_ADMIN__PASSWORD", TestServer.ADMIN_PASSWORD),
              "export",
              "--product",
              "acme",
              "--format",
              "csv",
              "--out",
              out.toString(),
              "--server",
              s.server.url());
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(Files.readAllLines(out)).hasSize(21);
    }
    Path jsonl = data.resolve("out.jsonl");
    CliRunner.Run r =
        CliRunner.run(
            Map.of(),
            "export",
            "--product",
            "acme",
            "--days",
            "3",
            "--out",
            jsonl.toString(),
            "--data",
            data.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).contains("20 events");
    assertThat(Files.readAllLines(jsonl)).hasSize(20);
  }
}
