package dev.beacon.bench;

import dev.beacon.server.storage.DuckDbStore;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.FleetQueries;
import dev.beacon.server.storage.PostgresStore;
import dev.beacon.server.storage.StoredEvent;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The dashboard's queries over a large fleet, generated straight into storage (rollups kept by the
 * writer, as ingest keeps them): 100 k installations over 30 days at each size given (default 10 M
 * events), on DuckDB and on PostgreSQL. Each query runs once to warm up, then {@code runs} times;
 * p50 and p95. A size is a fresh store.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp beacon-bench/target/benchmarks.jar
 * dev.beacon.bench.QueryBench [millions,...] [installations] [runs] [duckdb|postgres|both]}.
 */
public final class QueryBench {
  private static final String[] OS = {
    "Ubuntu", "Debian GNU/Linux", "Red Hat Enterprise Linux", "Alpine Linux", "macOS"
  };
  private static final String[] VERSIONS = {"5.0.9", "5.1.0", "5.2.1", "5.3.0"};
  private static final int DAYS = 30;
  private static final int REPORT_DAYS = 8;

  public static void main(String[] args) throws Exception {
    String[] sizes = (args.length > 0 ? args[0] : "10").split(",", -1);
    int installations = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    String which = args.length > 3 ? args[3] : "both";
    Map<String, Object> results = new LinkedHashMap<>();
    if (!which.equals("postgres")) {
      Map<String, Object> bySize = new LinkedHashMap<>();
      for (String size : sizes) {
        long events = (long) (Double.parseDouble(size) * 1_000_000);
        // -Dbench.keep=DIR keeps the 10 M events' DuckDB file there (the runner then serves it to
        // measure RSS); other sizes go to a temporary directory, deleted after.
        String keep = System.getProperty("bench.keep");
        boolean kept = keep != null && (size.equals("10") || sizes.length == 1);
        Path dir =
            kept
                ? Files.createDirectories(Path.of(keep))
                : Files.createTempDirectory("beacon-query-bench");
        Path file = dir.resolve("beacon.duckdb");
        Map<String, Object> r;
        try (EventStore duck = new DuckDbStore(file, Duration.ofMinutes(1), 1, 10)) {
          r = run("DuckDB " + size + " M", duck, events, installations, runs);
        }
        r.put("bytesOnDisk", size(dir));
        bySize.put(size, r);
        if (!kept) {
          deleteTree(dir);
        }
      }
      results.put("duckdb", bySize);
    }
    if (!which.equals("duckdb")) {
      Map<String, Object> bySize = new LinkedHashMap<>();
      for (String size : sizes) {
        long events = (long) (Double.parseDouble(size) * 1_000_000);
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
            r = run("PostgreSQL " + size + " M", store, events, installations, runs);
          }
          r.put("bytesOnDisk", databaseSize(pg) - before);
          bySize.put(size, r);
        }
      }
      results.put("postgres", bySize);
    }
    Results.write(results);
    System.exit(0);
  }

  private static long size(Path dir) throws IOException {
    long bytes = 0;
    for (String name : new String[] {"beacon.duckdb", "beacon.duckdb.wal"}) {
      Path f = dir.resolve(name);
      if (Files.exists(f)) {
        bytes += Files.size(f);
      }
    }
    return bytes;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
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
    FleetQueries.Filter f = new FleetQueries.Filter("bench", FleetQueries.windowStart(30), null, 1);
    FleetQueries.Filter v =
        new FleetQueries.Filter("bench", FleetQueries.windowStart(30), VERSIONS[2], 1);
    Map<String, Function<FleetQueries, Object>> queries = new LinkedHashMap<>();
    queries.put("overview: active 1/7/30 d", x -> x.active(f));
    queries.put("overview: new and lost per day", x -> x.newAndLost(f));
    queries.put("versions over time", x -> x.versionsOverTime(f));
    queries.put("platform: by OS", x -> x.breakdown(f, "os"));
    queries.put("platform: by memory", x -> x.breakdown(f, "memory"));
    queries.put("features and plugins", x -> x.adoption(f));
    queries.put("clusters", x -> x.clusterSizes(f));
    queries.put("field explorer (vm_specs.num_cpus)", x -> x.field(f, "vm_specs.num_cpus"));
    queries.put("commands", x -> x.commands().byCommand(f));
    queries.put("option use", x -> x.commands().optionUse(f));
    queries.put("commands, one version", x -> x.commands().byCommand(v));
    queries.put("health per day", x -> x.commands().unhealthyUnits(f));
    queries.put("summary (DESIGN §4)", x -> store.summary("bench", f.since()));
    queries.put("growth: active 1/7/30 d per day", x -> x.trends().activity(f));
    queries.put("growth: against the previous window", x -> x.trends().growth(f));
    queries.put("releases: version share", x -> x.releases().versionShare(f));
    queries.put("releases: days to 10/50/90 %", x -> x.releases().releases(f));
    queries.put("releases: upgrade paths", x -> x.releases().upgrades(f));
    queries.put("retention cohorts", x -> x.retention().retention(f));
    queries.put("features over time", x -> x.features().featureTrend(f));
    queries.put("features by version", x -> x.features().featureVersions(f));
    queries.put("commands per day", x -> x.commands().commandTrend(f));
    queries.put("commands per version", x -> x.commands().commandVersions(f));
    queries.put("exit codes", x -> x.commands().exitCodes(f));
    queries.put("worst health units", x -> x.commands().healthUnits(f));
    Map<String, double[]> out = new LinkedHashMap<>();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("events", written);
    result.put("installations", installations);
    result.put("runs", runs);
    result.put("loadSeconds", loadSeconds);
    result.put("queries", out);
    for (Map.Entry<String, Function<FleetQueries, Object>> e : queries.entrySet()) {
      Object unused = e.getValue().apply(q); // warm-up
      double[] ms = new double[runs];
      for (int i = 0; i < runs; i++) {
        long t = System.nanoTime();
        unused = e.getValue().apply(q);
        ms[i] = Math.round((System.nanoTime() - t) / 100_000.0) / 10.0; // ms, to 0.1
      }
      Arrays.sort(ms);
      double p50 = ms[(int) Math.ceil(0.5 * runs) - 1];
      double p95 = ms[(int) Math.ceil(0.95 * runs) - 1];
      out.put(e.getKey(), new double[] {p50, p95});
      System.out.printf("%s %s: p50 %.1f ms, p95 %.1f ms%n", name, e.getKey(), p50, p95);
    }
    return result;
  }

  /**
   * The same 100 k installations at every size, over 30 days: each sends its report on 8 days of
   * its own, and the rest of its share of the events are CLI command runs (two events each) on days
   * of their own; so more events mean busier installations, not more of them.
   */
  private static long generate(EventStore store, long events, int installations) {
    Random r = new Random(1);
    long perInstallation = Math.max(REPORT_DAYS, events / installations);
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
      int[] reportDays = new int[REPORT_DAYS];
      for (int k = 0; k < REPORT_DAYS; k++) {
        reportDays[k] = k * (DAYS / REPORT_DAYS) + r.nextInt(DAYS / REPORT_DAYS);
      }
      int commandDay = r.nextInt(DAYS);
      for (long k = 0; k < perInstallation && n < events; k++, n++) {
        boolean report = k < REPORT_DAYS;
        int day;
        if (report) {
          day = reportDays[(int) k];
        } else {
          if (k % 2 == 0) {
            commandDay = r.nextInt(DAYS); // a run's two events on one day
          }
          day = commandDay;
        }
        Instant at = end.minus(Duration.ofDays(DAYS - day)).plusSeconds(r.nextInt(80_000));
        if (at.isAfter(end)) {
          at = end.minusSeconds(1 + r.nextInt(3600));
        }
        String version = VERSIONS[Math.min(VERSIONS.length - 1, day / 8)];
        StoredEvent e;
        if (report) {
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
