package dev.beacon.bench;

import dev.beacon.protocol.GoldenPayloads;
import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.web.BeaconServer;
import io.helidon.webserver.WebServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ingest throughput with durable acknowledgement, next to a bare Helidon handler given the same
 * payload, in one run. The load comes from wrk, a separate process on the same two cores. Every
 * request carries new message ids, so the store really writes each event.
 *
 * <p>Run: {@code java -cp beacon-bench/target/benchmarks.jar dev.beacon.bench.IngestBench [seconds]
 * [connections]} (10 s, 64 connections); needs {@code wrk} (Debian: {@code apt-get install wrk}).
 */
public final class IngestBench {
  private static final String KEY = "wk_bench_0123456789";

  private static int connections;

  /** One row: which server, which payload, and what wrk measured. */
  record Result(
      String server,
      String payload,
      int eventsPerRequest,
      double requestsPerSecond,
      String p50,
      String p99,
      long errors,
      Map<String, Object> profile) {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    connections = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    Path work = Files.createTempDirectory("beacon-ingest-bench");
    Path reportLua = write(work, "report.lua", reportScript());
    Path batchLua = write(work, "batch.lua", batchScript());
    List<Result> results = new ArrayList<>();

    WebServer bare =
        WebServer.builder()
            .host("127.0.0.1")
            .port(0)
            .shutdownHook(false)
            .routing(
                r ->
                    r.post(
                        "/{+path}",
                        (req, res) -> {
                          req.content().as(byte[].class);
                          res.header("Content-Type", "application/json");
                          res.send("{\"accepted\":1}".getBytes(StandardCharsets.UTF_8));
                        }))
            .build()
            .start();
    results.add(wrk("bare", bare.port(), "/api/telemetry", reportLua, seconds, false));
    results.add(wrk("bare", bare.port(), "/v1/batch", batchLua, seconds, false));
    bare.stop();

    // The same server without rollups, for what keeping them costs (issue 11: at most 20 %).
    System.setProperty("beacon.bench.withoutRollups", "true");
    try (BeaconServer duck = BeaconServer.start(config(work.resolve("duck-raw"), Map.of()))) {
      results.add(wrk("duckdb-raw", duck.port(), "/api/telemetry", reportLua, seconds, false));
      results.add(wrk("duckdb-raw", duck.port(), "/v1/batch", batchLua, seconds, false));
    }
    System.clearProperty("beacon.bench.withoutRollups");
    try (BeaconServer duck = BeaconServer.start(config(work.resolve("duck"), Map.of()))) {
      results.add(wrk("duckdb", duck.port(), "/api/telemetry", reportLua, seconds, true));
      results.add(wrk("duckdb", duck.port(), "/v1/batch", batchLua, seconds, true));
    }
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        BeaconServer server =
            BeaconServer.start(
                config(
                    work.resolve("pg"),
                    Map.of(
                        "BEACON_STORAGE__TYPE", "postgres",
                        "BEACON_STORAGE__POSTGRES__URL", pg.getJdbcUrl("postgres", "postgres"),
                        "BEACON_STORAGE__POSTGRES__USER", "postgres")))) {
      results.add(wrk("postgres", server.port(), "/api/telemetry", reportLua, seconds, false));
      results.add(wrk("postgres", server.port(), "/v1/batch", batchLua, seconds, false));
    }

    Results.write(results);
    System.exit(0);
  }

  private static ServerConfig config(Path data, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>();
    env.put("BEACON_PRODUCTS__BENCH__WRITE_KEY", KEY);
    env.put("BEACON_COMPAT__EMQX__PRODUCT", "bench");
    env.put("BEACON_ADMIN__PASSWORD", "bench-admin");
    env.put("BEACON_SERVER__HOST", "127.0.0.1");
    // The benchmark measures the server, not its per-key rate limit.
    env.put("BEACON_LIMITS__REQUESTS_PER_SECOND_PER_KEY", "10000000");
    env.put("BEACON_LIMITS__BURST_PER_KEY", "1000000");
    env.put("BEACON_LIMITS__EMQX_REQUESTS_PER_SECOND", "10000000");
    // ...nor the per-sender bounds of the unauthenticated EMQX endpoint (wrk is one sender).
    env.put("BEACON_LIMITS__EMQX_REQUESTS_PER_SECOND_PER_SOURCE", "10000000");
    env.put("BEACON_LIMITS__EMQX_MAX_BYTES_PER_DAY", "1099511627776");
    env.putAll(extra);
    return ConfigLoader.load(null, env, Map.of("server.port", 0, "data_dir", data.toString()));
  }

  /**
   * A warm-up, the measured run, and with {@code profile} one more run under JFR (after the
   * measured one, so that the recording's cost is not in the figures).
   */
  private static Result wrk(
      String server, int port, String path, Path script, int seconds, boolean profile)
      throws Exception {
    boolean batch = path.equals("/v1/batch");
    // A short warm-up (JIT, connections), then the measured run.
    run(port, path, script, 3);
    String out = run(port, path, script, seconds);
    double rps = number(out, "Requests/sec:\\s+([\\d.]+)");
    long errors = (long) number(out, "Non-2xx or 3xx responses:\\s+(\\d+)");
    errors += (long) number(out, "Socket errors:.*?timeout (\\d+)");
    System.out.printf("%s %s: %,.0f requests/s%n", server, path, rps);
    Map<String, Object> where = null;
    if (profile) {
      try (Profile p = Profile.start()) {
        run(port, path, script, Math.min(seconds, 5));
        where = p.stop(12);
      }
    }
    return new Result(
        server,
        batch ? "batch" : "report",
        batch ? 100 : 1,
        rps,
        latency(out, "50%"),
        latency(out, "99%"),
        errors,
        where);
  }

  private static String run(int port, String path, Path script, int seconds)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                "wrk",
                "-t2",
                "-c" + connections,
                "-d" + seconds + "s",
                "--latency",
                "-s",
                script.toString(),
                "http://127.0.0.1:" + port + path)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("wrk failed:\n" + out);
    }
    return out;
  }

  private static double number(String out, String regex) {
    Matcher m = Pattern.compile(regex).matcher(out);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static String latency(String out, String percentile) {
    Matcher m =
        Pattern.compile("\\s" + Pattern.quote(percentile) + "\\s+([\\d.]+\\w+)").matcher(out);
    return m.find() ? m.group(1) : "?";
  }

  private static Path write(Path dir, String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  private static String auth() {
    return "Basic "
        + Base64.getEncoder().encodeToString((KEY + ":").getBytes(StandardCharsets.UTF_8));
  }

  /** The EMQX 5 seed report, with a fresh uuid per request so that none is a duplicate. */
  private static String reportScript() {
    String report = GoldenPayloads.EMQX_5_REPORT.json().replaceAll("\\s*\\n\\s*", "");
    String[] parts = report.split("5EAAF3C2-6186-11ED-AD7C-D5AAB80CED2E", 2);
    return threadIds()
        + "wrk.method = \"POST\"\n"
        + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        + "local head = "
        + lua(parts[0])
        + "\n"
        + "local tail = "
        + lua(parts[1])
        + "\n"
        + "request = function()\n"
        + "  counter = counter + 1\n"
        // A well-formed UUID (the endpoint refuses any other uuid), new at each request.
        + "  return wrk.format(nil, nil, nil, head .. string.format('%08x-%04x-4000-8000-%012x',"
        + " runid, tid, counter) .. tail)\n"
        + "end\n";
  }

  /** A Segment batch of 100 track events, new message ids each time. */
  private static String batchScript() {
    return threadIds()
        + "wrk.method = \"POST\"\n"
        + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        + "wrk.headers[\"Authorization\"] = \""
        + auth()
        + "\"\n"
        + "request = function()\n"
        + "  counter = counter + 1\n"
        + "  local b = {'{\"batch\":['}\n"
        + "  for i = 1, 100 do\n"
        + "    if i > 1 then b[#b + 1] = ',' end\n"
        + "    b[#b + 1] = '{\"type\":\"track\",\"event\":\"rule_created\",\"anonymousId\":\"inst-' .. (i % 50)"
        + " .. '\",\"messageId\":\"' .. run .. '-' .. tid .. '-' .. counter .. '-' .. i"
        + " .. '\",\"properties\":{\"kind\":\"republish\",\"n\":' .. i .. ',\"region\":\"eu\"}}'\n"
        + "  end\n"
        + "  b[#b + 1] = ']}'\n"
        + "  return wrk.format(nil, nil, nil, table.concat(b))\n"
        + "end\n";
  }

  private static String threadIds() {
    return """
        local threads = 0
        function setup(thread)
          threads = threads + 1
          thread:set("tid", threads)
          thread:set("run", tostring(os.time()) .. tostring(math.random(1, 1000000)))
          thread:set("runid", math.random(0, 2147483647))
        end
        counter = 0
        """;
  }

  private static String lua(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
