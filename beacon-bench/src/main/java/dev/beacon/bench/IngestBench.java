package dev.beacon.bench;

import com.google.protobuf.ByteString;
import dev.beacon.protocol.GoldenPayloads;
import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.web.BeaconServer;
import io.helidon.webserver.WebServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ingest throughput with durable acknowledgement, next to a bare Helidon handler given the same
 * payload, in one run. The load comes from wrk, a separate process on the same two cores. Every
 * request carries new message ids, so the store really writes each event.
 *
 * <p>Run: {@code java -cp beacon-bench/target/benchmarks.jar dev.beacon.bench.IngestBench [seconds]
 * [connections] [protocols]} (10 s, 64 connections; {@code protocols}: only Segment, OTLP and
 * PostHog batches on DuckDB); needs {@code wrk} (Debian: {@code apt-get install wrk}).
 */
public final class IngestBench {
  private static final String KEY = "wk_bench_0123456789";

  /** A seed per wrk process, so that no two runs send the same ids. */
  private static final Random SEED = new SecureRandom();

  private static int connections;

  /**
   * One row: which server, which payload, what wrk measured, and for a DuckDB server's batches the
   * dedup window after the run (its ids and bytes, from the server's {@code /metrics}).
   */
  record Result(
      String server,
      String payload,
      int eventsPerRequest,
      double requestsPerSecond,
      String p50,
      String p99,
      long errors,
      Map<String, Object> profile,
      Map<String, Object> window) {
    Result withWindow(Map<String, Object> window) {
      return new Result(
          server, payload, eventsPerRequest, requestsPerSecond, p50, p99, errors, profile, window);
    }
  }

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    connections = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    Path work = Files.createTempDirectory("beacon-ingest-bench");
    Path reportLua = write(work, "report.lua", reportScript());
    Path batchLua = write(work, "batch.lua", batchScript());
    Path fullLua = write(work, "batch-full.lua", batchScript(true));
    Path otlpLua = write(work, "otlp.lua", otlpScript(false));
    Path werfLua = write(work, "werf.lua", otlpScript(true));
    Path posthogLua = write(work, "posthog.lua", posthogScript());
    List<Result> results = new ArrayList<>();
    if (args.length > 2 && args[2].equals("protocols")) {
      // Only the protocols side by side, on one DuckDB server (for working on one of them).
      try (BeaconServer duck = BeaconServer.start(config(work.resolve("duck"), Map.of()))) {
        results.add(wrk("duckdb", duck.port(), "/v1/batch", batchLua, seconds, false));
        results.add(wrk("duckdb", duck.port(), "/v1/batch#full", fullLua, seconds, false));
        results.add(wrk("duckdb", duck.port(), "/v1/traces", otlpLua, seconds, false));
        results.add(wrk("duckdb", duck.port(), "/v1/traces#werf", werfLua, seconds, false));
        results.add(wrk("duckdb", duck.port(), "/batch", posthogLua, seconds, false));
        results.add(wrk("duckdb", duck.port(), "/v1/batch", batchLua, seconds, false));
      }
      Results.write(results);
      System.exit(0);
    }

    // `IngestBench 10 64 duckdb`: only the single report and the batches, bare, without rollups
    // and with them, on DuckDB (for working on the writer's path).
    boolean quick = args.length > 2 && args[2].equals("duckdb");
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
    results.add(wrk("bare", bare.port(), "/v1/batch#full", fullLua, seconds, false));
    if (!quick) {
      results.add(wrk("bare", bare.port(), "/v1/traces", otlpLua, seconds, false));
      results.add(wrk("bare", bare.port(), "/v1/traces#werf", werfLua, seconds, false));
      results.add(wrk("bare", bare.port(), "/batch", posthogLua, seconds, false));
    }
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
      results.add(
          wrk("duckdb", duck.port(), "/v1/batch", batchLua, seconds, true)
              .withWindow(dedupWindow(duck.port())));
      // The other protocols, batches of 100 as well, next to Segment's in the same run (issue 12).
      results.add(wrk("duckdb", duck.port(), "/v1/batch#full", fullLua, seconds, false));
      if (quick) {
        Results.write(results);
        System.exit(0);
      }
      results.add(wrk("duckdb", duck.port(), "/v1/traces", otlpLua, seconds, true));
      results.add(wrk("duckdb", duck.port(), "/v1/traces#werf", werfLua, seconds, false));
      results.add(wrk("duckdb", duck.port(), "/batch", posthogLua, seconds, true));
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
    String payload =
        switch (path) {
          case "/v1/batch" -> "batch";
          case "/v1/traces" -> "otlp";
          case "/v1/traces#werf" -> "werf";
          case "/v1/batch#full" -> "batch-full";
          case "/batch" -> "posthog";
          default -> "report";
        };
    // A warm-up (JIT, connections), then the measured run. A store's batches warm up for 15 s:
    // past the 2 M ids of the dedup window's cap (about 12 s at this rate), so that the run
    // measures a server that has been running, whose every new id evicts the oldest, not its first
    // seconds (the window was at its cap only near the end of a 3 s warm-up and 10 s run).
    boolean batchIntoStore = !server.equals("bare") && !payload.equals("report");
    run(port, path, script, batchIntoStore && seconds >= 10 ? 15 : 3);
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
        payload,
        payload.equals("report") ? 1 : 100,
        rps,
        latency(out, "50%"),
        latency(out, "99%"),
        errors,
        where,
        null);
  }

  /**
   * The dedup window's ids and bytes as the server's {@code /metrics} gives them to an operator
   * (the admin's credentials): after a store's batches it is at its cap, each new id evicting the
   * oldest.
   */
  private static Map<String, Object> dedupWindow(int port) throws Exception {
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .header(
                        "Authorization",
                        "Basic "
                            + Base64.getEncoder()
                                .encodeToString(
                                    "admin:bench-admin".getBytes(StandardCharsets.UTF_8)))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("ids", (long) number(metrics, "(?m)^beacon_dedup_window_ids ([\\d.E+]+)"));
    w.put("bytes", (long) number(metrics, "(?m)^beacon_dedup_window_bytes ([\\d.E+]+)"));
    return w;
  }

  /**
   * @param path the request's path; after a {@code #}, only a name for the row
   */
  private static String run(int port, String path, Path script, int seconds)
      throws IOException, InterruptedException {
    if (path.contains("#")) {
      path = path.substring(0, path.indexOf('#'));
    }
    Process p =
        new ProcessBuilder(
                "wrk",
                "-t2",
                "-c" + connections,
                "-d" + seconds + "s",
                "--latency",
                "-s",
                script.toString(),
                "http://127.0.0.1:" + port + path,
                "--",
                Long.toString(SEED.nextInt(Integer.MAX_VALUE)))
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
    return batchScript(false);
  }

  /**
   * @param asClientsSend each event with what a Segment library adds (a timestamp, the library, the
   *     OS, the app's version), as the PostHog and OTLP batches carry it
   */
  private static String batchScript(boolean asClientsSend) {
    return threadIds()
        + "wrk.method = \"POST\"\n"
        + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        + "wrk.headers[\"Authorization\"] = \""
        + auth()
        + "\"\n"
        + "request = function()\n"
        + "  counter = counter + 1\n"
        + "  local now = os.date('!%Y-%m-%dT%H:%M:%SZ')\n"
        + "  local b = {'{\"batch\":['}\n"
        + "  for i = 1, 100 do\n"
        + "    if i > 1 then b[#b + 1] = ',' end\n"
        + "    b[#b + 1] = '{\"type\":\"track\",\"event\":\"rule_created\",\"anonymousId\":\"inst-' .. (i % 50)"
        + " .. '\",\"messageId\":\"' .. run .. '-' .. tid .. '-' .. counter .. '-' .. i"
        + " .. '\",\"properties\":{\"kind\":\"republish\",\"n\":' .. i .. ',\"region\":\"eu\"}"
        + (asClientsSend
            ? ",\"timestamp\":\"' .. now .. '\",\"context\":{\"library\":{\"name\":"
                + "\"analytics-java\",\"version\":\"3.5.1\"},\"os\":{\"name\":\"Linux\"},"
                + "\"app\":{\"version\":\"1.0.0\"}}"
            : "")
        + "}'\n"
        + "  end\n"
        + "  b[#b + 1] = ']}'\n"
        + "  return wrk.format(nil, nil, nil, table.concat(b))\n"
        + "end\n";
  }

  /** The 16-byte trace id of the OTLP template: replaced in each request by a new one. */
  private static final byte[] TRACE_MARK = {
    (byte) 0xf1,
    (byte) 0xe2,
    (byte) 0xd3,
    (byte) 0xc4,
    (byte) 0xb5,
    (byte) 0xa6,
    (byte) 0x97,
    (byte) 0x88,
    0x79,
    0x6a,
    0x5b,
    0x4c,
    0x3d,
    0x2e,
    0x1f,
    0x10
  };

  /**
   * 100 spans in one OTLP/HTTP protobuf request, a new trace id per request (a span's message id is
   * its trace and span id). Either the Segment batch's events as spans ({@code rule_created}, the
   * same three attributes, 50 installations as {@code service.instance.id} of 50 resources), or
   * with {@code werf} 100 of werf's spans ({@code CommandExited}, attributes as werf sets them,
   * execution ids from a set of 50), which become command events with their duration.
   */
  private static String otlpScript(boolean werf) {
    long now = System.currentTimeMillis();
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    for (int r = 0; r < 50; r++) {
      List<Span> spans = new ArrayList<>();
      for (int k = 1; k <= 2; k++) {
        int i = r * 2 + k;
        Span.Builder span =
            Span.newBuilder()
                .setTraceId(ByteString.copyFrom(TRACE_MARK))
                .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, (byte) i}))
                .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
                .setStartTimeUnixNano(now * 1_000_000L)
                .setEndTimeUnixNano(now * 1_000_000L + 40_000);
        if (werf) {
          span.setName("telemetry.werf.io")
              .addAttributes(attr("ts", now))
              .addAttributes(attr("executionID", "exec-" + (i % 50)))
              .addAttributes(attr("userID", "5e0f4b5c1b8a4c6e9a1f3d2c7b6a5e4d3c2b1a0f9e8d7c6b"))
              .addAttributes(
                  attr(
                      "projectID",
                      "b4c2d019070529344a6967d8c73d578101c6554fcdcae3d00bb93a9692523cb1"))
              .addAttributes(attr("command", "werf converge"))
              .addAttributes(attr("eventType", "CommandExited"))
              .addAttributes(
                  attr("eventData", "{\"exitCode\":0,\"durationMs\":" + (1000 + i) + "}"))
              .addAttributes(
                  attr(
                      "attributes",
                      "{\"version\":\"v2.31.0\",\"os\":\"linux\",\"arch\":\"amd64\","
                          + "\"ci\":true,\"ciName\":\"gitlab\"}"))
              .addAttributes(attr("schemaVersion", 2L));
        } else {
          span.setName("rule_created")
              .addAttributes(attr("kind", "republish"))
              .addAttributes(attr("n", i))
              .addAttributes(attr("region", "eu"));
        }
        spans.add(span.build());
      }
      Resource.Builder resource = Resource.newBuilder();
      if (werf) {
        resource
            .addAttributes(attr("service.name", "unknown_service:werf"))
            .addAttributes(attr("telemetry.sdk.language", "go"));
      } else {
        resource
            .addAttributes(attr("service.name", "bench"))
            .addAttributes(attr("service.version", "1.0.0"))
            .addAttributes(attr("service.instance.id", "inst-" + r));
      }
      request.addResourceSpans(
          ResourceSpans.newBuilder()
              .setResource(resource)
              .addScopeSpans(
                  ScopeSpans.newBuilder()
                      .setScope(
                          InstrumentationScope.newBuilder()
                              .setName(werf ? "telemetry.werf.io" : "bench"))
                      .addAllSpans(spans)));
    }
    byte[] body = request.build().toByteArray();
    // The body in parts between the trace ids; each request joins them with a trace id of its own.
    List<String> parts = new ArrayList<>();
    int from = 0;
    for (int at = indexOf(body, TRACE_MARK, 0); at >= 0; at = indexOf(body, TRACE_MARK, from)) {
      parts.add(luaBytes(body, from, at));
      from = at + TRACE_MARK.length;
    }
    parts.add(luaBytes(body, from, body.length));
    return threadIds()
        + "wrk.method = \"POST\"\n"
        + "wrk.headers[\"Content-Type\"] = \"application/x-protobuf\"\n"
        + "wrk.headers[\"Authorization\"] = \"Bearer "
        + KEY
        + "\"\n"
        + "local parts = {"
        + String.join(",\n", parts)
        + "}\n"
        + "local function byte(n) return string.char(math.floor(n) % 256) end\n"
        // Each wrk process starts its counters again: the start time keeps its ids apart.
        + "local started = os.time()\n"
        + "request = function()\n"
        + "  counter = counter + 1\n"
        + "  local id = byte(started / 16777216) .. byte(started / 65536) .. byte(started / 256)"
        + " .. byte(started) .. byte(tid) .. byte(counter / 16777216) .. byte(counter / 65536)"
        + " .. byte(counter / 256) .. byte(counter) .. string.rep(string.char(7), 7)\n"
        + "  return wrk.format(nil, nil, nil, table.concat(parts, id))\n"
        + "end\n";
  }

  /** A batch of 100 events as posthog-server sends it to {@code /batch}, new uuids each time. */
  private static String posthogScript() {
    return threadIds()
        + "wrk.method = \"POST\"\n"
        + "wrk.headers[\"Content-Type\"] = \"application/json; charset=utf-8\"\n"
        + "request = function()\n"
        + "  counter = counter + 1\n"
        + "  local now = os.date('!%Y-%m-%dT%H:%M:%SZ')\n"
        + "  local b = {'{\"api_key\":\""
        + KEY
        + "\",\"batch\":['}\n"
        + "  for i = 1, 100 do\n"
        + "    if i > 1 then b[#b + 1] = ',' end\n"
        + "    b[#b + 1] = '{\"event\":\"rule_created\",\"distinct_id\":\"inst-' .. (i % 50)"
        + " .. '\",\"uuid\":\"' .. run .. '-' .. tid .. '-' .. counter .. '-' .. i"
        + " .. '\",\"timestamp\":\"' .. now .. '\",\"properties\":{\"kind\":\"republish\",\"n\":' .. i"
        + " .. ',\"region\":\"eu\",\"$lib\":\"posthog-server\",\"$lib_version\":\"2.3.3\",'"
        + " .. '\"$os\":\"Linux\",\"$geoip_disable\":true}}'\n"
        + "  end\n"
        + "  b[#b + 1] = '],\"sent_at\":\"' .. now .. '\"}'\n"
        + "  return wrk.format(nil, nil, nil, table.concat(b))\n"
        + "end\n";
  }

  private static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  private static KeyValue attr(String key, long value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setIntValue(value))
        .build();
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Bytes as a Lua string literal (decimal escapes for all but plain printable ASCII). */
  private static String luaBytes(byte[] b, int from, int to) {
    StringBuilder s = new StringBuilder("\"");
    for (int i = from; i < to; i++) {
      int c = b[i] & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        s.append((char) c);
      } else {
        s.append('\\').append(String.format("%03d", c));
      }
    }
    return s.append('"').toString();
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
        -- math.random repeats its sequence in every wrk process: the seed the bench passes to each
        -- one keeps the warm-up's ids out of the measured run (else they are duplicates there).
        function init(args)
          local seed = tonumber(args[1] or "0")
          runid = (runid + seed) % 2147483648
          run = run .. "-" .. seed
        end
        counter = 0
        """;
  }

  private static String lua(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
