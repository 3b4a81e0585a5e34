package dev.beacon.bench;

import dev.beacon.server.kafka.KafkaBroker;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Batched events a second end to end, everything on this machine: client → ingest node(s) → Kafka →
 * sink(s) → PostgreSQL (committed, queryable), with 1 ingest node and 1 sink and with 2 and 2, next
 * to a single node on DuckDB and a single node on PostgreSQL (no Kafka) in the same run. Each node,
 * sink and the broker is a process of its own (a KRaft broker from the Maven Central jars); the
 * load is {@code clients} threads posting batches of 100 new events as fast as they are answered.
 * Per scenario: events acknowledged a second, events stored a second (from the stored count at the
 * window's ends), acknowledgement latency p50/p99, and the lag from acknowledgement to queryable
 * p50/p99 (a probe event in every 20th batch, looked for every 25 ms).
 *
 * <p>Run: {@code java -cp beacon-bench/target/benchmarks.jar dev.beacon.bench.ScaleOutBench
 * [seconds] [clients]}.
 */
public final class ScaleOutBench {
  private static final String KEY = "wk_bench_scale";
  private static final int BATCH = 100;

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    Path work = Files.createTempDirectory("scale-out-bench");
    List<Map<String, Object>> rows = new ArrayList<>();
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        KafkaBroker broker = KafkaBroker.start(work.resolve("broker"))) {
      rows.add(run("duckdb", 0, 0, seconds, clients, work, pg, broker));
      rows.add(run("postgres", 0, 0, seconds, clients, work, pg, broker));
      rows.add(run("kafka", 1, 1, seconds, clients, work, pg, broker));
      rows.add(run("kafka", 2, 2, seconds, clients, work, pg, broker));
    }
    Results.write(
        Map.of("seconds", seconds, "clients", clients, "batch", BATCH, "scenarios", rows));
  }

  private static Map<String, Object> run(
      String store,
      int ingestNodes,
      int sinks,
      int seconds,
      int clients,
      Path work,
      EmbeddedPostgres pg,
      KafkaBroker broker)
      throws Exception {
    String name = store.equals("kafka") ? ingestNodes + " ingest + " + sinks + " sinks" : store;
    String db = "bench_" + store + "_" + ingestNodes + "_" + sinks;
    Map<String, String> env = new LinkedHashMap<>();
    env.put("BEACON_PRODUCTS__BENCH__WRITE_KEY", KEY);
    env.put("BEACON_ADMIN__PASSWORD", "bench-admin");
    env.put("BEACON_SERVER__HOST", "127.0.0.1");
    env.put("BEACON_LIMITS__REQUESTS_PER_SECOND_PER_KEY", "10000000");
    env.put("BEACON_LIMITS__BURST_PER_KEY", "1000000");
    String url = null;
    if (!store.equals("duckdb")) {
      try (Connection c = pg.getPostgresDatabase().getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + db);
      }
      url = pg.getJdbcUrl("postgres", db);
      env.put("BEACON_STORAGE__TYPE", "postgres");
      env.put("BEACON_STORAGE__POSTGRES__URL", url);
      env.put("BEACON_STORAGE__POSTGRES__USER", "postgres");
    }
    if (store.equals("kafka")) {
      env.put("BEACON_KAFKA__BOOTSTRAP_SERVERS", broker.bootstrap());
      env.put("BEACON_KAFKA__TOPIC", db);
      env.put("BEACON_KAFKA__PARTITIONS", "4");
    }
    List<Process> children = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    try {
      for (int i = 0; i < Math.max(1, ingestNodes); i++) {
        int port = freePort();
        ports.add(port);
        children.add(
            child(
                env,
                work.resolve(db + "-node" + i + ".log"),
                "serve",
                "--port",
                String.valueOf(port),
                "--data",
                work.resolve(db + "-data" + i).toString()));
      }
      for (int i = 0; i < sinks; i++) {
        children.add(
            child(
                env,
                work.resolve(db + "-sink" + i + ".log"),
                "sink",
                "--port",
                String.valueOf(freePort())));
      }
      HttpClient http =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(5))
              .version(HttpClient.Version.HTTP_1_1)
              .build();
      for (int port : ports) {
        awaitReady(http, port);
      }
      Counter stored = new Counter(url); // DuckDB (no url): acknowledged is committed
      // Warm-up, then the measured window.
      Load warm = Load.start(http, ports, clients, "w");
      Thread.sleep(3000);
      warm.stop();
      long storedBefore = stored.count();
      Map<String, Double> cpuBefore = cpu(children, ingestNodes, broker);
      long start = System.nanoTime();
      Load load = Load.start(http, ports, clients, "m");
      Thread lagWatch = url == null ? null : Thread.ofPlatform().start(() -> stored.watch(load));
      Thread.sleep(seconds * 1000L);
      load.stop();
      double window = (System.nanoTime() - start) / 1e9;
      Map<String, Double> cpuAfter = cpu(children, ingestNodes, broker);
      long storedAfter = stored.count();
      if (lagWatch != null) {
        // Probes still pending are looked for a little longer: a lag is not cut at the window.
        Thread.sleep(5000);
        stored.stop();
        lagWatch.join();
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("scenario", name);
      row.put("ackedPerSecond", load.acked.get() / window);
      row.put(
          "storedPerSecond",
          url == null ? load.acked.get() / window : (storedAfter - storedBefore) / window);
      row.put("failedRequests", load.failed.get());
      row.put("ackP50Ms", Results.percentile(load.latencies(), 50) / 1e6);
      row.put("ackP99Ms", Results.percentile(load.latencies(), 99) / 1e6);
      List<Long> lags = new ArrayList<>(stored.lags);
      row.put("lagProbes", lags.size());
      row.put("lagP50Ms", lags.isEmpty() ? 0 : Results.percentile(lags, 50) / 1e6);
      row.put("lagP99Ms", lags.isEmpty() ? 0 : Results.percentile(lags, 99) / 1e6);
      if (store.equals("kafka")) {
        // The backlog the window left: how fast the sinks store it with the load gone (their own
        // rate, the cores theirs), for up to five minutes.
        long target = warm.acked.get() + load.acked.get(); // a database of its own: all of them
        long drainStart = System.nanoTime();
        long atDrainStart = stored.count();
        while (stored.count() < target
            && System.nanoTime() - drainStart < Duration.ofMinutes(5).toNanos()) {
          Thread.sleep(200);
        }
        double drain = (System.nanoTime() - drainStart) / 1e9;
        row.put("drainSeconds", drain);
        row.put("drainPerSecond", (stored.count() - atDrainStart) / drain);
        row.put("drained", stored.count() >= target);
        // The lag where the sinks keep up: half the rate they stored at, for as long.
        double paced = 0.5 * (storedAfter - storedBefore) / window;
        Counter pacedLag = new Counter(url);
        Load half = Load.start(http, ports, clients, "p", paced);
        Thread watch = Thread.ofPlatform().start(() -> pacedLag.watch(half));
        Thread.sleep(seconds * 1000L);
        half.stop();
        Thread.sleep(5000);
        pacedLag.stop();
        watch.join();
        List<Long> pl = new ArrayList<>(pacedLag.lags);
        row.put("pacedPerSecond", paced);
        row.put("pacedLagProbes", pl.size());
        row.put("pacedLagP50Ms", pl.isEmpty() ? 0 : Results.percentile(pl, 50) / 1e6);
        row.put("pacedLagP99Ms", pl.isEmpty() ? 0 : Results.percentile(pl, 99) / 1e6);
      }
      Map<String, Double> cores = new LinkedHashMap<>();
      cpuAfter.forEach((k, v) -> cores.put(k, (v - cpuBefore.getOrDefault(k, 0.0)) / window));
      row.put("coresUsed", cores);
      System.err.println(name + ": " + row);
      return row;
    } finally {
      for (Process p : children) {
        p.destroy();
      }
      for (Process p : children) {
        p.waitFor();
      }
    }
  }

  /**
   * CPU seconds so far of each part: the load (this JVM), the ingest node(s), the sink(s), the
   * broker, PostgreSQL (every process named postgres), from /proc.
   */
  private static Map<String, Double> cpu(
      List<Process> children, int ingestNodes, KafkaBroker broker) throws IOException {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("load", cpuSeconds(ProcessHandle.current().pid()));
    int nodes = Math.max(1, ingestNodes);
    double ingest = 0;
    double sinks = 0;
    for (int i = 0; i < children.size(); i++) {
      double s = cpuSeconds(children.get(i).pid());
      if (i < nodes) {
        ingest += s;
      } else {
        sinks += s;
      }
    }
    m.put("ingest", ingest);
    m.put("sinks", sinks);
    m.put("broker", cpuSeconds(broker.pid()));
    double pg = 0;
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.toList()) {
        String n = p.getFileName().toString();
        if (n.chars().allMatch(Character::isDigit)) {
          try {
            if (Files.readString(p.resolve("comm")).strip().equals("postgres")) {
              pg += cpuSeconds(Long.parseLong(n));
            }
          } catch (IOException gone) {
            // ended meanwhile
          }
        }
      }
    }
    m.put("postgres", pg);
    return m;
  }

  /** utime + stime of a process (and of its children it waited for), seconds. */
  private static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
      // after the name: state(0) ... utime(11) stime(12) cutime(13) cstime(14), in ticks of 1/100 s
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Client threads posting batches of new events as fast as they are answered. */
  private static final class Load {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final ConcurrentLinkedQueue<long[]> latency = new ConcurrentLinkedQueue<>();

    /** Probe message id → when its batch was acknowledged (nanoTime). */
    final Map<String, Long> probes = new ConcurrentHashMap<>();

    final List<Thread> threads = new ArrayList<>();

    static Load start(HttpClient http, List<Integer> ports, int clients, String tag) {
      return start(http, ports, clients, tag, 0);
    }

    /** At {@code eventsPerSecond} in all (0: as fast as answered). */
    static Load start(
        HttpClient http, List<Integer> ports, int clients, String tag, double eventsPerSecond) {
      Load l = new Load();
      long interval = eventsPerSecond <= 0 ? 0 : (long) (BATCH * 1e9 / eventsPerSecond);
      AtomicLong nextSlot = new AtomicLong(System.nanoTime());
      String auth =
          "Basic "
              + Base64.getEncoder().encodeToString((KEY + ":").getBytes(StandardCharsets.UTF_8));
      for (int c = 0; c < clients; c++) {
        int client = c;
        l.threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      for (long b = 0; !l.stop.get(); b++) {
                        if (interval > 0) {
                          long wait = nextSlot.getAndAdd(interval) - System.nanoTime();
                          if (wait > 0) {
                            LockSupport.parkNanos(wait);
                          }
                        }
                        String prefix = tag + client + "-" + b + "-";
                        StringBuilder sb = new StringBuilder("{\"batch\":[");
                        for (int i = 0; i < BATCH; i++) {
                          sb.append(i == 0 ? "" : ",")
                              .append("{\"type\":\"track\",\"event\":\"message_published\",")
                              .append("\"anonymousId\":\"i-")
                              .append((client * 131L + b + i) % 500)
                              .append("\",\"messageId\":\"")
                              .append(prefix)
                              .append(i)
                              .append("\",\"properties\":{\"kind\":\"republish\",\"rules\":12,")
                              .append("\"region\":\"eu-west-1\",\"cpu_load\":0.42}}");
                        }
                        int port = ports.get((int) ((client + b) % ports.size()));
                        long t0 = System.nanoTime();
                        try {
                          HttpResponse<Void> r =
                              http.send(
                                  HttpRequest.newBuilder(
                                          URI.create("http://127.0.0.1:" + port + "/v1/batch"))
                                      .timeout(Duration.ofSeconds(30))
                                      .header("Content-Type", "application/json")
                                      .header("Authorization", auth)
                                      .POST(
                                          HttpRequest.BodyPublishers.ofString(
                                              sb.append("]}").toString()))
                                      .build(),
                                  HttpResponse.BodyHandlers.discarding());
                          long t1 = System.nanoTime();
                          if (r.statusCode() == 200) {
                            l.acked.addAndGet(BATCH);
                            l.latency.add(new long[] {t1 - t0});
                            if (b % 20 == 0) {
                              l.probes.put(prefix + "0", t1);
                            }
                          } else {
                            l.failed.incrementAndGet();
                          }
                        } catch (IOException e) {
                          l.failed.incrementAndGet();
                        } catch (InterruptedException e) {
                          return;
                        }
                      }
                    }));
      }
      return l;
    }

    void stop() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join();
      }
    }

    List<Long> latencies() {
      List<Long> out = new ArrayList<>();
      latency.forEach(a -> out.add(a[0]));
      return out;
    }
  }

  /** The stored count, and the probes' lag from acknowledgement to queryable. */
  private static final class Counter {
    final String url;
    final ConcurrentLinkedQueue<Long> lags = new ConcurrentLinkedQueue<>();
    volatile boolean stopped;

    Counter(String url) {
      this.url = url;
    }

    long count() throws Exception {
      if (url == null) {
        return 0;
      }
      try (Connection c = DriverManager.getConnection(url, "postgres", "");
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM events")) {
        rs.next();
        return rs.getLong(1);
      }
    }

    /** Every 25 ms: which acknowledged probes are stored now. */
    void watch(Load load) {
      try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
        while (!stopped) {
          List<String> pending = new ArrayList<>(load.probes.keySet());
          if (!pending.isEmpty()) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT message_id FROM events WHERE product = 'bench' AND message_id = ANY(?)")) {
              ps.setArray(1, c.createArrayOf("text", pending.toArray()));
              long now = System.nanoTime();
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  Long acked = load.probes.remove(rs.getString(1));
                  if (acked != null) {
                    lags.add(Math.max(0, now - acked));
                  }
                }
              }
            }
          }
          Thread.sleep(25);
        }
      } catch (Exception e) {
        System.err.println("lag watch: " + e);
      }
    }

    void stop() {
      stopped = true;
    }
  }

  private static Process child(Map<String, String> env, Path log, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of(
            "-Xmx512m",
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.beacon.server.cli.BeaconCli"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("BEACON_"));
    pb.environment().putAll(env);
    return pb.start();
  }

  private static void awaitReady(HttpClient http, int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return;
        }
      } catch (IOException e) {
        // not yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the node on port " + port + " was not ready in 90 s");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
