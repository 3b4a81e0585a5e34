package dev.beacon.bench;

import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.StoredEvent;
import dev.beacon.server.storage.Stores;
import dev.beacon.server.web.BeaconServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The export endpoint over a store of {@code events} events (DuckDB, the server in this JVM, whose
 * heap the runner caps): per format, the events a second streamed to a client that reads and
 * discards, and the heap's peak while it ran (the pools' peaks, reset before each format). An
 * export that held its events would not fit the cap: 1 M events are about 400 MB of JSON lines.
 *
 * <p>Run: {@code java -Xmx256m --enable-native-access=ALL-UNNAMED -cp
 * beacon-bench/target/benchmarks.jar dev.beacon.bench.ExportBench [events]}.
 */
public final class ExportBench {
  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    Path work = Files.createTempDirectory("export-bench");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("BEACON_PRODUCTS__BENCH__WRITE_KEY", "wk_bench_export");
    env.put("BEACON_ADMIN__PASSWORD", "bench-admin");
    env.put("BEACON_SERVER__HOST", "127.0.0.1");
    Map<String, Object> overrides =
        Map.of("server.port", 0, "data_dir", work.resolve("data").toString());
    try (EventStore store = Stores.open(ConfigLoader.load(null, env, overrides))) {
      fill(store, events);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    try (BeaconServer server = BeaconServer.start(ConfigLoader.load(null, env, overrides))) {
      HttpClient http = HttpClient.newHttpClient();
      String auth =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString("admin:bench-admin".getBytes(StandardCharsets.UTF_8));
      for (String format : List.of("jsonl", "csv", "parquet")) {
        System.gc();
        resetPeaks();
        long start = System.nanoTime();
        HttpResponse<InputStream> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + server.port()
                                + "/api/v1/products/bench/export?days=60&format="
                                + format))
                    .header("Authorization", auth)
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long bytes;
        try (InputStream in = r.body()) {
          bytes = in.transferTo(OutputStream.nullOutputStream());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (r.statusCode() != 200) {
          throw new IllegalStateException(format + " export answered " + r.statusCode());
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("format", format);
        row.put("events", events);
        row.put("seconds", seconds);
        row.put("eventsPerSecond", events / seconds);
        row.put("bytes", bytes);
        row.put("peakHeapBytes", peakHeap());
        rows.add(row);
        System.err.printf(
            "%s: %.1f s, %,d bytes, peak heap %,d%n", format, seconds, bytes, peakHeap());
      }
    }
    Results.write(
        Map.of(
            "events", events, "maxHeapBytes", Runtime.getRuntime().maxMemory(), "formats", rows));
  }

  /** Events of 2,000 installations over 30 days, ten properties each, in batches of 10,000. */
  private static void fill(EventStore store, int events) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    String props =
        "{\"kind\":\"republish\",\"region\":\"eu-west-1\",\"edition\":\"opensource\","
            + "\"version\":\"5.8.1\",\"plugin\":\"emqx_retainer\",\"rules\":12,"
            + "\"connections\":1834,\"cpu_load\":0.42,\"clustered\":true,\"retries\":3}";
    List<StoredEvent> batch = new ArrayList<>(10_000);
    for (int i = 0; i < events; i++) {
      batch.add(
          new StoredEvent(
              "bench",
              "m-" + i,
              "track",
              "message_published",
              "inst-" + (i % 2000),
              null,
              now.minusSeconds((long) (i % 30) * 86_400 + i % 86_000),
              now,
              "5.8." + (i % 3),
              "Ubuntu",
              "amd64",
              "jvm 21",
              "beacon-sdk",
              props,
              "{\"library\":{\"name\":\"beacon-sdk\"}}"));
      if (batch.size() == 10_000) {
        store.append(batch);
        batch.clear();
      }
    }
    if (!batch.isEmpty()) {
      store.append(batch);
    }
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        p.resetPeakUsage();
      }
    }
  }

  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
