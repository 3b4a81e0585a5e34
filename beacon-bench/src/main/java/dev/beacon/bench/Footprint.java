package dev.beacon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
          "fleet/health");

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
