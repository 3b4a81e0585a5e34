package dev.beacon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.sdk.HeadlessChromium;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server as an operator runs it ({@code beacon-server.jar serve}, default JVM settings) on the
 * DuckDB file the queries step filled with 10 M events: its resident memory when idle, after every
 * dashboard query has been asked once over HTTP, and at its peak; and each query's time through
 * HTTP. Bytes on disk per event come from the queries step.
 */
final class Footprint {
  static final List<String> DASHBOARD =
      List.of(
          "summary",
          "fleet/active",
          "fleet/new-lost",
          "fleet/versions",
          "fleet/breakdown?by=os",
          "fleet/breakdown?by=memory",
          "fleet/adoption",
          "fleet/clusters",
          "fleet/field?path=vm_specs.num_cpus",
          "fleet/commands",
          "fleet/options",
          "fleet/health",
          "fleet/activity",
          "fleet/growth",
          "fleet/version-share",
          "fleet/releases",
          "fleet/upgrades",
          "fleet/retention",
          "fleet/feature-trend",
          "fleet/feature-versions",
          "fleet/command-trend",
          "fleet/command-versions",
          "fleet/exit-codes",
          "fleet/health-units");

  /** The dashboard's views, as its URL names them, in the order of its menu. */
  static final List<String> VIEWS =
      List.of(
          "overview",
          "versions",
          "retention",
          "platform",
          "features",
          "fields",
          "commands",
          "webui",
          "health",
          "compare");

  private Footprint() {}

  static void measure(Path out, ObjectNode commands) throws Exception {
    Path data = out.resolve("duckdb-data");
    Path json = out.resolve("footprint.json");
    if (!Files.exists(data.resolve("beacon.duckdb"))) {
      Results.JSON.writeValue(
          json.toFile(), Map.of("skipped", "no data: run the queries step first"));
      return;
    }
    int port = freePort();
    String password = "bench-admin-password";
    Map<String, String> env = new LinkedHashMap<>();
    env.put("BEACON_DATA_DIR", data.toString());
    env.put("BEACON_SERVER__HOST", "127.0.0.1");
    env.put("BEACON_SERVER__PORT", Integer.toString(port));
    env.put("BEACON_PRODUCTS__BENCH__WRITE_KEY", "wk_bench_0123456789");
    env.put("BEACON_ADMIN__PASSWORD", password);
    List<String> args =
        List.of(
            "--enable-native-access=ALL-UNNAMED",
            "-jar",
            "beacon-server/target/beacon-server.jar",
            "serve");
    ChildProcess server = ChildProcess.start(BenchRun.java(args), env, Duration.ofMinutes(30));
    Map<String, Object> r = new LinkedHashMap<>();
    try {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + port;
      long started = System.nanoTime();
      while (true) {
        try {
          if (http.send(
                      HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode()
              == 200) {
            break;
          }
        } catch (IOException notYet) {
          // starting
        }
        if (System.nanoTime() - started > Duration.ofMinutes(3).toNanos()) {
          throw new IllegalStateException("the server did not become ready in 3 minutes");
        }
        Thread.sleep(250);
      }
      r.put("startMs", (System.nanoTime() - started) / 1_000_000);
      Thread.sleep(2000);
      r.put("rssIdleBytes", Machine.processBytes(server.pid(), "VmRSS"));
      String auth = basic("admin", password);
      Map<String, Object> queries = new LinkedHashMap<>();
      List<String> failed = new ArrayList<>();
      for (String q : DASHBOARD) {
        long t = System.nanoTime();
        HttpResponse<String> res =
            get(http, URI.create(base + "/api/v1/products/bench/" + q), auth);
        long ms = (System.nanoTime() - t) / 1_000_000;
        queries.put(q, Map.of("status", res.statusCode(), "ms", ms));
        if (res.statusCode() != 200) {
          failed.add(q + " " + res.statusCode());
        }
      }
      r.put("queries", queries);
      r.put("rssAfterQueriesBytes", Machine.processBytes(server.pid(), "VmRSS"));
      r.put("dashboard", dashboard(base, password, out));
      r.put("rssAfterDashboardBytes", Machine.processBytes(server.pid(), "VmRSS"));
      r.put("peakRssBytes", Machine.processBytes(server.pid(), "VmHWM"));
      if (!failed.isEmpty()) {
        r.put("failure", "queries answered with errors: " + failed);
      }
    } finally {
      server.kill();
    }
    Results.JSON.writeValue(json.toFile(), r);
    StringBuilder line = new StringBuilder();
    env.forEach((k, v) -> line.append(k).append('=').append(v).append(' '));
    commands.put("footprint", line + "java " + String.join(" ", args));
  }

  /**
   * Every view of the dashboard in headless Chromium, as a person opens it (logged in, then each
   * view from its menu): the time from the click until every panel is drawn, and the slowest
   * panel's own time (asked to drawn), each view opened twice (first and second visit).
   */
  private static Map<String, Object> dashboard(String base, String password, Path out)
      throws Exception {
    Path chromium = HeadlessChromium.find();
    if (chromium == null) {
      return Map.of("skipped", "no Chromium here (Debian: apt-get install chromium)");
    }
    Path profile = Files.createTempDirectory("beacon-bench-chromium").resolve("profile");
    Map<String, Object> views = new LinkedHashMap<>();
    try (HeadlessChromium browser = new HeadlessChromium(chromium, profile)) {
      browser.navigate(base + "/dashboard/");
      browser.waitFor(
          "document.getElementById('password') && !document.getElementById('login').hidden", WAIT);
      browser.eval(
          "document.getElementById('password').value = "
              + HeadlessChromium.JSON.writeValueAsString(password)
              + "; document.querySelector('#login button').click(); true");
      browser.waitFor("document.querySelector('nav a[data-view=overview]')", WAIT);
      for (int visit = 1; visit <= 2; visit++) {
        for (String view : VIEWS) {
          long t = System.nanoTime();
          browser.eval(
              "document.querySelector('#view').replaceChildren();"
                  + " document.querySelector('nav a[data-view="
                  + view
                  + "]').click(); true");
          browser.waitFor(
              "document.querySelector('nav a.active')"
                  + " && document.querySelector('nav a.active').dataset.view === '"
                  + view
                  + "' && document.querySelectorAll('#view .panel').length > 0"
                  + " && document.querySelectorAll('#view .loading').length === 0",
              WAIT);
          long wall = (System.nanoTime() - t) / 1_000_000;
          long slowest =
              browser
                  .eval(
                      "Math.max(0, ...[...document.querySelectorAll('#view [data-ms]')].map(p =>"
                          + " Number(p.dataset.ms)))")
                  .asLong();
          int errors = browser.eval("document.querySelectorAll('#view .error').length").asInt();
          Map<String, Object> v = new LinkedHashMap<>();
          v.put("allDrawnMs", wall);
          v.put("slowestPanelMs", slowest);
          v.put("errors", errors);
          views.put(view + (visit == 1 ? "" : " (again)"), v);
          System.out.printf(
              "dashboard %s visit %d: %d ms (slowest panel %d ms)%n", view, visit, wall, slowest);
          if (visit == 1) {
            browser.screenshot(out.resolve("dashboard-10m-" + view + ".png"), true);
          }
        }
      }
    }
    return views;
  }

  private static final Duration WAIT = Duration.ofMinutes(2);

  /** A free loopback port, for a child process to listen on. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  static HttpResponse<String> get(HttpClient http, URI uri, String auth)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri)
            .header("Authorization", auth)
            .timeout(Duration.ofMinutes(5))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
