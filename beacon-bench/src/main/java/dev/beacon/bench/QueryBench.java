package dev.beacon.bench;

import dev.beacon.server.storage.DuckDbStore;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.FleetQueries;
import dev.beacon.server.storage.PostgresStore;
import dev.beacon.server.storage.StoredEvent;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * The dashboard's queries over a large fleet, generated straight into storage: by default 10 M
 * events from 100 k installations over 30 days (a daily report each, and CLI command runs), on
 * DuckDB and on PostgreSQL. Each query runs once to warm up, then {@code runs} times; p50 and p95.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp beacon-bench/target/benchmarks.jar
 * dev.beacon.bench.QueryBench [millions] [installations] [runs] [duckdb|postgres|both]}.
 */
public final class QueryBench {
  private static final String[] OS = {
    "Ubuntu", "Debian GNU/Linux", "Red Hat Enterprise Linux", "Alpine Linux", "macOS"
  };
  private static final String[] VERSIONS = {"5.0.9", "5.1.0", "5.2.1", "5.3.0"};

  public static void main(String[] args) throws Exception {
    double millions = args.length > 0 ? Double.parseDouble(args[0]) : 10;
    int installations = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    String which = args.length > 3 ? args[3] : "both";
    long events = (long) (millions * 1_000_000);
    Map<String, Object> results = new LinkedHashMap<>();
    if (!which.equals("postgres")) {
      // -Dbench.keep=DIR keeps the DuckDB file there (the runner then serves it to measure RSS).
      String keep = System.getProperty("bench.keep");
      Path dir =
          keep != null
              ? Files.createDirectories(Path.of(keep))
              : Files.createTempDirectory("beacon-query-bench");
      Path file = dir.resolve("beacon.duckdb");
      Map<String, Object> r;
      try (EventStore duck = new DuckDbStore(file, Duration.ofMinutes(1), 1, 10)) {
        r = run("DuckDB", duck, events, installations, runs);
      }
      long bytes = Files.size(file);
      Path wal = dir.resolve("beacon.duckdb.wal");
      if (Files.exists(wal)) {
        bytes += Files.size(wal);
      }
      r.put("bytesOnDisk", bytes);
      results.put("duckdb", r);
    }
    if (!which.equals("duckdb")) {
      try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
        long before = databaseSize(pg);
        Map<String, Object> r;
        try (EventStore store =
            new PostgresStore(
                pg.getJdbcUrl("postgres", "postgres"),
                "postgres",
                "",
                4,
                Duration.ofMinutes(1),
                10)) {
          r = run("PostgreSQL", store, events, installations, runs);
        }
        r.put("bytesOnDisk", databaseSize(pg) - before);
        results.put("postgres", r);
      }
    }
    Results.write(results);
    System.exit(0);
  }

  private static long databaseSize(EmbeddedPostgres pg) throws SQLException {
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CHECKPOINT");
      try (ResultSet rs = s.executeQuery("SELECT pg_database_size(current_database())")) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static Map<String, Object> run(
      String name, EventStore store, long events, int installations, int runs) {
    long start = System.nanoTime();
    long written = generate(store, events, installations);
    long loadSeconds = (System.nanoTime() - start) / 1_000_000_000;
    System.out.printf(
        "%s: %,d events from %,d installations stored in %d s%n",
        name, written, installations, loadSeconds);
    FleetQueries q = store.fleet();
    FleetQueries.Filter f =
        new FleetQueries.Filter("bench", Instant.now().minus(Duration.ofDays(30)), null, 1);
    Map<String, Function<FleetQueries, Object>> queries = new LinkedHashMap<>();
    queries.put("overview: active 1/7/30 d", x -> x.active(f));
    queries.put("overview: new and lost per day", x -> x.newAndLost(f));
    queries.put("versions over time", x -> x.versionsOverTime(f));
    queries.put("platform: by OS", x -> x.breakdown(f, "os"));
    queries.put("platform: by memory", x -> x.breakdown(f, "memory"));
    queries.put("features and plugins", x -> x.adoption(f));
    queries.put("clusters", x -> x.clusterSizes(f));
    queries.put("field explorer (vm_specs.num_cpus)", x -> x.field(f, "vm_specs.num_cpus"));
    queries.put("commands", x -> x.commands(f));
    queries.put("option use", x -> x.optionUse(f));
    queries.put("summary (DESIGN §4)", x -> store.summary("bench", f.since()));
    Map<String, long[]> out = new LinkedHashMap<>();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("events", written);
    result.put("installations", installations);
    result.put("runs", runs);
    result.put("loadSeconds", loadSeconds);
    result.put("queries", out);
    for (Map.Entry<String, Function<FleetQueries, Object>> e : queries.entrySet()) {
      Object unused = e.getValue().apply(q); // warm-up
      long[] ms = new long[runs];
      for (int i = 0; i < runs; i++) {
        long t = System.nanoTime();
        unused = e.getValue().apply(q);
        ms[i] = (System.nanoTime() - t) / 1_000_000;
      }
      Arrays.sort(ms);
      long p50 = ms[(int) Math.ceil(0.5 * runs) - 1];
      long p95 = ms[(int) Math.ceil(0.95 * runs) - 1];
      out.put(e.getKey(), new long[] {p50, p95});
      System.out.printf("%s %s: p50 %d ms, p95 %d ms%n", name, e.getKey(), p50, p95);
    }
    return result;
  }

  /** Per installation: a report a day for 30 days, then command runs (two events each). */
  private static long generate(EventStore store, long events, int installations) {
    Random r = new Random(1);
    long perInstallation = Math.max(30, events / installations);
    Instant end = Instant.now();
    Instant received = Instant.now();
    List<StoredEvent> batch = new ArrayList<>(50_000);
    long n = 0;
    for (int i = 0; i < installations && n < events; i++) {
      String id = "inst-" + i;
      String cluster = "cluster-" + (i / 3);
      String os = OS[r.nextInt(OS.length)];
      int cpus = 1 << (1 + r.nextInt(5));
      long memory = (long) (1 << (2 + r.nextInt(5))) << 30;
      for (long k = 0; k < perInstallation && n < events; k++, n++) {
        int day = (int) (k % 30);
        Instant at = end.minus(Duration.ofDays(30 - day)).plusSeconds(r.nextInt(80_000));
        String version = VERSIONS[Math.min(VERSIONS.length - 1, day / 8)];
        StoredEvent e;
        if (k < 30) {
          String props =
              "{\"uuid\":\""
                  + id
                  + "\",\"version\":\""
                  + version
                  + "\",\"os_name\":\""
                  + os
                  + "\",\"edition\":\""
                  + (r.nextInt(10) == 0 ? "enterprise" : "opensource")
                  + "\",\"vm_specs\":{\"num_cpus\":"
                  + cpus
                  + ",\"total_memory\":"
                  + memory
                  + "},\"active_plugins\":[\"emqx_retainer\""
                  + (r.nextBoolean() ? ",\"emqx_dashboard\"" : "")
                  + "],\"features\":{\"retained\":"
                  + r.nextInt(3)
                  + ",\"delayed\":"
                  + (r.nextInt(4) == 0 ? 1 : 0)
                  + "}}";
          e =
              new StoredEvent(
                  "bench",
                  id + "-r" + k,
                  "report",
                  "report",
                  id,
                  cluster,
                  at,
                  received,
                  version,
                  os,
                  "amd64",
                  "jvm 21",
                  "beacon-sdk",
                  props,
                  "{}");
        } else {
          boolean started = k % 2 == 0;
          String command = r.nextInt(3) == 0 ? "demo deploy" : "demo build";
          String props =
              started
                  ? "{\"command\":\""
                      + command
                      + "\",\"projectID\":\"p"
                      + (i % 5000)
                      + "\",\"eventData\":{\"options\":[{\"name\":\"tag\",\"asCli\":true,\"asEnv\":false,\"count\":1}]}}"
                  : "{\"command\":\""
                      + command
                      + "\",\"projectID\":\"p"
                      + (i % 5000)
                      + "\",\"eventData\":{\"exitCode\":"
                      + (r.nextInt(12) == 0 ? 1 : 0)
                      + ",\"durationMs\":"
                      + (long) Math.exp(7 + r.nextGaussian())
                      + "}}";
          e =
              new StoredEvent(
                  "bench",
                  id + "-c" + k,
                  "track",
                  started ? "CommandStarted" : "CommandExited",
                  id,
                  null,
                  at,
                  received,
                  version,
                  null,
                  null,
                  null,
                  "beacon-sdk",
                  props,
                  "{}");
        }
        batch.add(e);
        if (batch.size() == 50_000) {
          store.append(batch);
          batch.clear();
        }
      }
    }
    if (!batch.isEmpty()) {
      store.append(batch);
    }
    return n;
  }
}
