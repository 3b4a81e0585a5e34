package dev.beacon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sections of BENCHMARKS.md on the server's ingest: by protocol and store, scale-out on Kafka,
 * export.
 */
final class IngestReport extends ReportPart {
  /** What each ingest payload is, for its row. */
  private static final Map<String, String> PAYLOADS =
      Map.of(
          "report",
          "EMQX report (1.2 KB)",
          "batch",
          "Segment batch of 100 (no context)",
          "batch-full",
          "Segment batch of 100 as clients send it (timestamp, library, OS, app version)",
          "otlp",
          "OTLP/HTTP protobuf, 100 spans (the same events)",
          "werf",
          "OTLP/HTTP protobuf, 100 werf spans (command events)",
          "posthog",
          "PostHog `/batch` of 100, as posthog-server sends it (the same events)");

  IngestReport(Path dir, StringBuilder md, JsonNode commands, List<String> verdicts) {
    super(dir, md, commands, verdicts);
  }

  void scaleOut() throws IOException {
    JsonNode r = section("scaleout", "Scale-out: client → ingest → Kafka → sink → PostgreSQL");
    if (r == null) {
      return;
    }
    md.append(
        String.format(
            "Everything on this machine, each part a process of its own (a KRaft broker from the"
                + " Maven Central jars, embedded PostgreSQL, `./beacon serve`, `./beacon sink`); %d"
                + " client threads post batches of %d new events as fast as they are answered for"
                + " %d s after a 3 s warm-up. *Stored/s*: PostgreSQL's event count over the window"
                + " (committed and queryable). *Lag*: from a batch's acknowledgement until its probe"
                + " event is queryable (looked for every 25 ms); under saturation it is the backlog"
                + " growing, so the Kafka scenarios run again, paced at half the rate they stored,"
                + " for the lag where the sinks keep up, once the backlog is stored. *Sinks alone*:"
                + " the rate the sinks stored that backlog at with the load gone. *Cores*: CPU"
                + " seconds per second of each"
                + " part over the saturated window (/proc).%n%n```sh%n%s%n```%n%n"
                + "| scenario | acked/s | stored/s | ack p50 / p99 | lag p50 / p99 (saturated) |"
                + " sinks alone | paced at | lag p50 / p99 (paced) | cores: load / ingest / sinks /"
                + " broker / PostgreSQL |%n|---|---|---|---|---|---|---|---|---|%n",
            r.path("clients").asInt(),
            r.path("batch").asInt(),
            r.path("seconds").asInt(),
            commands.path("scaleout").asText()));
    double bestKafka = 0;
    double bestLag = Double.MAX_VALUE;
    for (JsonNode row : r.path("scenarios")) {
      JsonNode c = row.path("coresUsed");
      boolean kafka = row.has("pacedPerSecond");
      md.append(
          String.format(
              "| %s | %,.0f | %,.0f | %.0f / %.0f ms | %s | %s | %s | %s | %.2f / %.2f / %.2f / %.2f /"
                  + " %.2f |%n",
              row.path("scenario").asText(),
              row.path("ackedPerSecond").asDouble(),
              row.path("storedPerSecond").asDouble(),
              row.path("ackP50Ms").asDouble(),
              row.path("ackP99Ms").asDouble(),
              row.path("lagProbes").asInt() == 0
                  ? "0 (acknowledged = stored)"
                  : String.format(
                      "%.0f / %.0f ms",
                      row.path("lagP50Ms").asDouble(), row.path("lagP99Ms").asDouble()),
              kafka
                  ? String.format(
                      "%,.0f/s%s",
                      row.path("drainPerSecond").asDouble(),
                      row.path("drained").asBoolean() ? "" : " (not drained in 5 min)")
                  : "",
              kafka ? String.format("%,.0f/s", row.path("pacedPerSecond").asDouble()) : "",
              kafka
                  ? String.format(
                      "%.0f / %.0f ms",
                      row.path("pacedLagP50Ms").asDouble(), row.path("pacedLagP99Ms").asDouble())
                  : "",
              c.path("load").asDouble(),
              c.path("ingest").asDouble(),
              c.path("sinks").asDouble(),
              c.path("broker").asDouble(),
              c.path("postgres").asDouble()));
      if (kafka) {
        bestKafka = Math.max(bestKafka, row.path("storedPerSecond").asDouble());
        bestLag = Math.min(bestLag, row.path("pacedLagP99Ms").asDouble());
      }
    }
    md.append('\n');
    verdict(
        "Scale-out ≥ 50 k events/s end to end (2 cores shared)",
        String.format("%,.0f events/s", bestKafka),
        bestKafka >= 50_000);
    verdict(
        "Scale-out lag (ack → queryable) p99 ≤ 2 s",
        String.format("%,.0f ms (paced at half the stored rate)", bestLag),
        bestLag <= 2000);
  }

  void export() throws IOException {
    JsonNode r = section("export", "Export: a product's events streamed in each format");
    if (r == null) {
      return;
    }
    md.append(
        String.format(
            "`GET /api/v1/products/{p}/export` over %,d events (DuckDB, 2,000 installations, ten"
                + " properties each), the server in a JVM whose heap is capped at %d MiB, read and"
                + " discarded by the client. Peak heap: the sum of the heap pools' peaks while the"
                + " format ran (an upper bound).%n%n```sh%n%s%n```%n%n"
                + "| format | events/s | seconds | bytes | peak heap |%n|---|---|---|---|---|%n",
            r.path("events").asLong(),
            r.path("maxHeapBytes").asLong() >> 20,
            commands.path("export").asText()));
    for (JsonNode row : r.path("formats")) {
      md.append(
          String.format(
              "| %s | %,.0f | %.1f | %,d | %d MiB |%n",
              row.path("format").asText(),
              row.path("eventsPerSecond").asDouble(),
              row.path("seconds").asDouble(),
              row.path("bytes").asLong(),
              row.path("peakHeapBytes").asLong() >> 20));
    }
    md.append('\n');
  }

  void ingest() throws IOException {
    JsonNode r = section("ingest", "Server: ingest with durable acknowledgement");
    if (r == null) {
      return;
    }
    md.append(
        "Every answer comes after the group commit (DuckDB: WAL fsynced at each commit). Load from"
            + " `wrk`, a separate process (2 threads, 64 keep-alive connections), on the same two"
            + " cores as the server; every request carries new message ids (or a new EMQX `uuid`),"
            + " so each event is really written. The bare handler is a Helidon 4 route in the same"
            + " run that reads the same body and answers `{\"accepted\":1}`. 3 s warm-up, then the"
            + " measured run, per row; a server's batches warm up 15 s, past the 2 M ids at which"
            + " its dedup window is full (a running server's state: each new id evicts the"
            + " oldest). The OTLP and PostHog batches carry the events of the"
            + " Segment batch \"as clients send it\" (same name, properties, 50 installations,"
            + " timestamp, library, OS, version), so that the three protocols compare on equal"
            + " events.\n\n```sh\n"
            + commands.path("ingest").asText()
            + "\n```\n\n");
    md.append(
        "| server | payload | requests/s | events/s | p50 | p99 | errors | ÷ bare handler"
            + " |\n|---|---|---|---|---|---|---|---|\n");
    Map<String, Double> bare = new LinkedHashMap<>();
    for (JsonNode row : r) {
      if (row.path("server").asText().equals("bare")) {
        bare.put(row.path("payload").asText(), row.path("requestsPerSecond").asDouble());
      }
    }
    Map<String, String> servers =
        Map.of(
            "bare", "bare Helidon handler",
            "duckdb", "**Beacon + DuckDB**",
            "duckdb-raw", "Beacon + DuckDB, rollups off (comparison only)",
            "postgres", "Beacon + PostgreSQL");
    Map<String, Double> raw = new LinkedHashMap<>();
    Map<String, Double> duck = new LinkedHashMap<>();
    for (JsonNode row : r) {
      if (row.path("server").asText().equals("duckdb-raw")) {
        raw.put(row.path("payload").asText(), row.path("requestsPerSecond").asDouble());
      }
      if (row.path("server").asText().equals("duckdb")) {
        duck.put(row.path("payload").asText(), row.path("requestsPerSecond").asDouble());
      }
    }
    for (JsonNode row : r) {
      String server = row.path("server").asText();
      String payload = row.path("payload").asText();
      double rps = row.path("requestsPerSecond").asDouble();
      double share = rps / bare.getOrDefault(payload, Double.NaN);
      md.append(
          String.format(
              "| %s | %s | %s | %s | %s | %s | %d | %s |%n",
              servers.getOrDefault(server, server),
              PAYLOADS.getOrDefault(payload, payload),
              count(rps),
              count(rps * row.path("eventsPerRequest").asInt()),
              row.path("p50").asText(),
              row.path("p99").asText(),
              row.path("errors").asLong(),
              server.equals("bare") ? "" : percent(share)));
      if (server.equals("duckdb") && payload.equals("batch")) {
        double events = rps * 100;
        verdict(
            "Ingest ≥ 100 k events/s in batches of 100, durable ack (DuckDB)",
            count(events) + " events/s, " + row.path("errors").asLong() + " errors",
            events >= 100_000 && row.path("errors").asLong() == 0);
      }
      if (server.equals("duckdb") && payload.equals("batch") && bare.containsKey(payload)) {
        verdict(
            "Batched ingest ≥ 20 % of the bare handler's event rate, batches of 100, durable ack"
                + " (DuckDB, issue 20)",
            percent(share) + " (" + count(rps) + " of " + count(rps / share) + " batches/s)",
            share >= 0.2);
      }
      JsonNode window = row.path("window");
      if (window.path("ids").asLong() > 0) {
        double perId = window.path("bytes").asDouble() / window.path("ids").asLong();
        verdict(
            "Dedup window ≤ 24 bytes an id (DuckDB, at its cap; issue 20)",
            String.format(
                "%.1f B (%,d ids in %.1f MiB, the server's `/metrics` after its batches)",
                perId, window.path("ids").asLong(), window.path("bytes").asDouble() / (1 << 20)),
            perId <= 24);
      }
      if (server.equals("duckdb") && payload.equals("batch") && raw.containsKey(payload)) {
        double kept = rps / raw.get(payload);
        verdict(
            "Keeping rollups costs batched ingest at most 20 % (DuckDB, batches of 100)",
            percent(kept) + " of the rate without rollups", kept >= 0.8);
      }
      if (server.equals("duckdb")
          && (payload.equals("otlp") || payload.equals("posthog"))
          && duck.containsKey("batch-full")) {
        double same = rps / duck.get("batch-full");
        verdict(
            (payload.equals("otlp") ? "OTLP spans/s" : "PostHog events/s")
                + " ≥ 80 % of Segment's events/s, the same events, batches of 100 (DuckDB)",
            percent(same)
                + " ("
                + count(rps * 100)
                + " vs "
                + count(duck.get("batch-full") * 100)
                + " events/s; "
                + percent(rps / duck.getOrDefault("batch", Double.NaN))
                + " of the batch without context)",
            same >= 0.8);
      }
      if (server.equals("duckdb") && payload.equals("report")) {
        verdict(
            "Single reports ≥ 50 % of the bare handler (DuckDB)",
            percent(share) + " (" + count(rps) + " req/s)", share >= 0.5);
      }
    }
    md.append('\n');
    for (JsonNode row : r) {
      JsonNode profile = row.path("profile");
      if (profile.isObject()) {
        profile(
            servers.getOrDefault(row.path("server").asText(), "").replace("**", "")
                + ", "
                + PAYLOADS.getOrDefault(row.path("payload").asText(), "?"),
            profile);
      }
    }
  }

  /** Where a JFR recording's samples fall: Java on CPU by frame and by thread, then native. */
  void profile(String what, JsonNode p) {
    md.append(
        String.format(
            "Where the time goes, %s: JFR (`profile` settings) on 5 s more of the same load after"
                + " the measured run, in the server's JVM (wrk is another process). %d samples of"
                + " Java on CPU, by top frame:%n%n",
            what, p.path("javaSamples").asInt()));
    shareTable("frame (Java on CPU)", p.path("java"));
    md.append("By thread (ids folded to N): ");
    List<String> threads = new ArrayList<>();
    p.path("threads")
        .forEach(
            t ->
                threads.add(
                    "`" + t.path("name").asText() + "` " + percent(t.path("share").asDouble())));
    md.append(String.join(", ", threads)).append(".\n\n");
    md.append(
        String.format(
            "%d samples of threads in native code (DuckDB's appender and commits; idle waits such"
                + " as epoll and accept left out), by native method:%n%n",
            p.path("nativeSamples").asInt()));
    shareTable("native method", p.path("native"));
  }

  void shareTable(String title, JsonNode shares) {
    md.append("| ").append(title).append(" | share |\n|---|---|\n");
    shares.forEach(
        f ->
            md.append("| `")
                .append(f.path("name").asText())
                .append("` | ")
                .append(percent(f.path("share").asDouble()))
                .append(" |\n"));
    md.append('\n');
  }
}
