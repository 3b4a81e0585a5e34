package dev.beacon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.UiRelay;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The sections of BENCHMARKS.md on what the dashboard costs: its queries and views, the server's
 * footprint, the web UI's script.
 */
final class DashboardReport extends ReportPart {
  DashboardReport(Path dir, StringBuilder md, JsonNode commands, List<String> verdicts) {
    super(dir, md, commands, verdicts);
  }

  void queries() throws IOException {
    JsonNode duck = BenchRun.read(dir.resolve("queries-duckdb.json"));
    JsonNode pg = BenchRun.read(dir.resolve("queries-postgres.json"));
    if (duck == null && pg == null) {
      return;
    }
    Map<String, JsonNode> columns = new LinkedHashMap<>(); // "DuckDB 10 M" -> its result
    for (JsonNode[] store : new JsonNode[][] {{duck}, {pg}}) {
      if (store[0] == null) {
        continue;
      }
      Map.Entry<String, JsonNode> e = store[0].properties().iterator().next();
      String name = e.getKey().equals("duckdb") ? "DuckDB" : "PostgreSQL";
      e.getValue()
          .properties()
          .forEach(size -> columns.put(name + " " + size.getKey() + " M", size.getValue()));
    }
    JsonNode any = columns.values().iterator().next();
    md.append("## Dashboard queries (from rollups)\n\n");
    ranAt("queries");
    StringBuilder loads = new StringBuilder();
    columns.forEach(
        (name, r) ->
            loads
                .append(loads.length() == 0 ? "" : ", ")
                .append(name)
                .append(" in ")
                .append(r.path("loadSeconds").asText())
                .append(" s"));
    md.append(
        String.format(
            "%s installations over 30 days at every size: each sends its report on 8 days, and the"
                + " rest of its share of the events are CLI command runs, so more events mean busier"
                + " installations, not more of them. Generated straight into storage through the"
                + " store's write, which keeps the rollups as ingest does (%s). Each query once to"
                + " warm up, then several times; p50 / p95. PostgreSQL is the embedded server with"
                + " default settings, 4 pooled connections.%n%n```sh%n%s%n%s%n```%n%n",
            count(any.path("installations").asDouble()),
            loads,
            commands.path("queries-duckdb").asText(""),
            commands.path("queries-postgres").asText("")));
    md.append("| query |");
    columns.keySet().forEach(c -> md.append(' ').append(c).append(" |"));
    md.append("\n|---|");
    columns.keySet().forEach(c -> md.append("---|"));
    md.append('\n');
    List<String> overDuck = new ArrayList<>();
    List<String> overPg = new ArrayList<>();
    List<String> notFlat = new ArrayList<>();
    for (Iterator<String> it = any.path("queries").fieldNames(); it.hasNext(); ) {
      String q = it.next();
      md.append("| ").append(q).append(" |");
      for (JsonNode r : columns.values()) {
        JsonNode pair = r.path("queries").path(q);
        md.append(' ')
            .append(pair.isArray() ? ms1(pair.get(0)) + " / " + ms1(pair.get(1)) : "–")
            .append(" |");
      }
      md.append('\n');
      double duck10 = p95(columns.get("DuckDB 10 M"), q);
      double pg10 = p95(columns.get("PostgreSQL 10 M"), q);
      double duck1 = p95(columns.get("DuckDB 1 M"), q);
      double duck50 = p95(columns.get("DuckDB 50 M"), q);
      if (duck10 > 150) {
        overDuck.add(q + " " + duck10 + " ms");
      }
      if (pg10 > 300) {
        overPg.add(q + " " + pg10 + " ms");
      }
      if (duck50 > 1.5 * duck1) {
        notFlat.add(q + String.format(Locale.ROOT, " %.1f×", duck50 / duck1));
      }
    }
    md.append('\n');
    if (columns.containsKey("DuckDB 10 M")) {
      verdict(
          "Every dashboard query p95 ≤ 150 ms on DuckDB, 10 M events",
          overDuck.isEmpty() ? "all" : "over: " + String.join(", ", overDuck),
          overDuck.isEmpty());
    }
    if (columns.containsKey("PostgreSQL 10 M")) {
      verdict(
          "Every dashboard query p95 ≤ 300 ms on PostgreSQL, 10 M events",
          overPg.isEmpty() ? "all" : "over: " + String.join(", ", overPg),
          overPg.isEmpty());
    }
    if (columns.containsKey("DuckDB 1 M") && columns.containsKey("DuckDB 50 M")) {
      verdict(
          "Flat: DuckDB p95 at 50 M events within 1.5× of p95 at 1 M",
          notFlat.isEmpty() ? "every query" : "over: " + String.join(", ", notFlat),
          notFlat.isEmpty());
    }
  }

  private static double p95(JsonNode result, String query) {
    if (result == null || !result.path("queries").path(query).isArray()) {
      return Double.NaN;
    }
    return result.path("queries").path(query).get(1).asDouble();
  }

  private static String ms1(JsonNode ms) {
    return String.format(Locale.ROOT, "%.1f ms", ms.asDouble());
  }

  void footprint() throws IOException {
    JsonNode f = BenchRun.read(dir.resolve("footprint.json"));
    JsonNode duck = BenchRun.read(dir.resolve("queries-duckdb.json"));
    JsonNode pg = BenchRun.read(dir.resolve("queries-postgres.json"));
    if (f == null && duck == null) {
      return;
    }
    md.append("## Footprint\n\n");
    ranAt("queries", "footprint");
    if (duck != null || pg != null) {
      md.append(
          "| store | events | bytes on disk (rollups included) | bytes per event |\n|---|---|---|---|\n");
      for (JsonNode[] s : new JsonNode[][] {{duck, null}, {pg, null}}) {
        if (s[0] == null) {
          continue;
        }
        Map.Entry<String, JsonNode> e = s[0].properties().iterator().next();
        // The 10 M events' store (or the one size measured), rollups included.
        JsonNode sized =
            e.getValue().has("10")
                ? e.getValue().get("10")
                : e.getValue().properties().iterator().next().getValue();
        double events = sized.path("events").asDouble();
        double b = sized.path("bytesOnDisk").asDouble();
        md.append(
            String.format(
                "| %s | %s | %s | %.0f |%n",
                e.getKey().equals("duckdb") ? "DuckDB (file + WAL)" : "PostgreSQL (database size)",
                count(events),
                bytes(b),
                b / events));
      }
      md.append('\n');
    }
    if (f != null && !skipped(f)) {
      md.append(
          "The server as an operator starts it (default JVM settings) on the DuckDB file above,"
              + " each dashboard query asked once over HTTP as the admin:\n\n```sh\n"
              + commands.path("footprint").asText()
              + "\n```\n\n");
      md.append(
          String.format(
              "| ready after | RSS idle | RSS after the dashboard's queries | peak RSS |%n"
                  + "|---|---|---|---|%n| %s | %s | %s | %s |%n%n",
              ms(f.path("startMs").asDouble()),
              bytes(f.path("rssIdleBytes").asDouble()),
              bytes(f.path("rssAfterQueriesBytes").asDouble()),
              bytes(f.path("peakRssBytes").asDouble())));
      double idle = f.path("rssIdleBytes").asDouble();
      double used =
          Math.max(
              f.path("rssAfterQueriesBytes").asDouble(),
              f.path("rssAfterDashboardBytes").asDouble());
      verdict(
          "Server RSS on 10 M events (DuckDB, default settings) ≤ 512 MiB idle, ≤ 768 MiB while"
              + " the dashboard is used",
          bytes(idle) + " idle, " + bytes(used) + " after the dashboard's queries and views",
          idle <= 512.0 * (1 << 20) && used <= 768.0 * (1 << 20));
      md.append("Each query through HTTP, first call (cold):\n\n| query | status | time |\n");
      md.append("|---|---|---|\n");
      for (Map.Entry<String, JsonNode> e : f.path("queries").properties()) {
        md.append(
            String.format(
                "| `%s` | %d | %s |%n",
                e.getKey(),
                e.getValue().path("status").asInt(),
                ms(e.getValue().path("ms").asDouble())));
      }
      md.append('\n');
      if (f.has("failure")) {
        md.append("**").append(f.path("failure").asText()).append("**\n\n");
      }
      dashboardViews(f);
    }
  }

  /**
   * The dashboard's views in headless Chromium over the same server: from the click on the menu
   * until every panel is drawn, and the slowest panel's own time.
   */
  void dashboardViews(JsonNode f) {
    JsonNode views = f.path("dashboard");
    if (!views.isObject() || views.has("skipped")) {
      return;
    }
    md.append(
        "Then every view of the dashboard in headless Chromium (logged in, each opened from the"
            + " menu, twice): from the click until every panel is drawn (the browser test's timing,"
            + " `data-ms` of each panel), over the same 10 M events; RSS after: "
            + bytes(f.path("rssAfterDashboardBytes").asDouble())
            + ".\n\n| view | all panels drawn | slowest panel | again: all drawn |\n|---|---|---|---|\n");
    List<String> slow = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : views.properties()) {
      if (e.getKey().endsWith(" (again)")) {
        continue;
      }
      JsonNode again = views.path(e.getKey() + " (again)");
      double all = e.getValue().path("allDrawnMs").asDouble();
      md.append(
          String.format(
              "| %s | %s | %s | %s |%n",
              e.getKey(),
              ms(all),
              ms(e.getValue().path("slowestPanelMs").asDouble()),
              again.isMissingNode() ? "–" : ms(again.path("allDrawnMs").asDouble())));
      if (all > 1000 || e.getValue().path("errors").asInt() > 0) {
        slow.add(e.getKey() + " " + ms(all));
      }
    }
    md.append('\n');
    verdict(
        "Every dashboard view's first render ≤ 1 s over 10 M events (Chromium)",
        slow.isEmpty() ? "all" : "over: " + String.join(", ", slow),
        slow.isEmpty());
  }

  /**
   * beacon.js as the SDK's jar has it, gzipped (-9), beside the bundles of the browser clients the
   * tests load from the npm registry (measured when the browser tests have fetched them).
   */
  void browserScript() throws IOException {
    md.append("## Browser script: what a web UI loads\n\n");
    md.append(
        "Measured by every `bench/run` (`--report-only` too) as it writes this file, gzip level 9 (budget: beacon.js ≤ 1.5 KB). The peers'"
            + " bundles are the npm packages the browser tests load (`BrowserClientsIT` caches them"
            + " in `beacon-server/target/npm`).\n\n");
    md.append("| script | bytes | gzipped | vs beacon.js |\n|---|---|---|---|\n");
    byte[] own = UiRelay.script();
    long ownGz = gzipped(own);
    md.append(String.format("| beacon.js (Beacon) | %d | %d | 1× |%n", own.length, ownGz));
    Path npm = Path.of("beacon-server", "target", "npm");
    String[][] peers = {
      {"posthog-js 1.449.2 `dist/array.js`", "posthog-js-1.449.2/package/dist/array.js"},
      {
        "@segment/analytics-next 1.84.3 `dist/umd/standalone.js`",
        "analytics-next-1.84.3/package/dist/umd/standalone.js"
      }
    };
    for (String[] peer : peers) {
      Path f = npm.resolve(peer[1]);
      if (!Files.isRegularFile(f)) {
        md.append(String.format("| %s | not fetched | | |%n", peer[0]));
        continue;
      }
      byte[] b = Files.readAllBytes(f);
      long gz = gzipped(b);
      md.append(
          String.format("| %s | %d | %d | %.0f× |%n", peer[0], b.length, gz, gz / (double) ownGz));
    }
    md.append('\n');
  }

  private static long gzipped(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz =
        new GZIPOutputStream(out) {
          {
            def.setLevel(Deflater.BEST_COMPRESSION);
          }
        }) {
      gz.write(b);
    }
    return out.size();
  }
}
