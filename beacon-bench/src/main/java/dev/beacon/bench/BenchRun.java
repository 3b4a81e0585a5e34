package dev.beacon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * Runs every benchmark, each in a process of its own, and keeps what each measured in {@code
 * target/bench/*.json}; {@link BenchReport} turns those into BENCHMARKS.md. Started by {@code
 * bench/run}, from the repository's root, after the build.
 *
 * <p>Steps: {@code sdk} (JMH, Beacon and the peers, each SDK in its own JVM, endpoint alive, dead
 * and black-holed), {@code lifecycle} (10 M calls with the endpoint dead: heap retained, close()
 * time, whether the JVM exits), {@code cli} (the example CLI's exit), {@code ingest} (wrk against
 * the server and a bare handler), {@code queries} (10 M events on DuckDB and PostgreSQL) and {@code
 * footprint} (the server's RSS serving the 10 M events). {@code --quick} runs each one briefly, to
 * check the harness, not to measure.
 */
public final class BenchRun {
  static final Path OUT = Path.of("target", "bench");
  static final Path BENCH_JAR = Path.of("beacon-bench/target/benchmarks.jar");
  static final List<String> STEPS =
      List.of(
          "sdk",
          "lifecycle",
          "delivery",
          "cli",
          "spring",
          "ingest",
          "scaleout",
          "queries",
          "export",
          "footprint");

  /**
   * An SDK under test: its JMH jar, its benchmark, and its {@code Client} for Lifecycle (none for
   * the floor, an empty call). A peer's jar names the SDK and its version in {@code
   * peer.properties}.
   */
  record Sdk(String id, Path jar, String benchmark, String client) {}

  static final List<Sdk> SDKS =
      List.of(
          new Sdk("floor", BENCH_JAR, "FloorBenchmark", null),
          new Sdk("beacon", BENCH_JAR, "BeaconBenchmark", "dev.beacon.bench.BeaconClient"),
          peer("segment", "SegmentBenchmark", "SegmentClient"),
          peer("posthog-server", "PostHogServerBenchmark", "PostHogServerClient"),
          peer("posthog-legacy", "PostHogLegacyBenchmark", "PostHogLegacyClient"),
          peer("opentelemetry", "OpenTelemetryBenchmark", "OpenTelemetryClient"));

  private final boolean quick;
  private final ObjectNode commands;
  private final Endpoints endpoints;

  private BenchRun(boolean quick, ObjectNode commands, Endpoints endpoints) {
    this.quick = quick;
    this.commands = commands;
    this.endpoints = endpoints;
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    boolean reportOnly = false;
    Set<String> steps = new LinkedHashSet<>(STEPS);
    for (String a : args) {
      if (a.equals("--quick")) {
        quick = true;
      } else if (a.equals("--report-only")) {
        reportOnly = true;
      } else if (a.startsWith("--only=")) {
        steps.clear();
        for (String s : a.substring(7).split(",", -1)) {
          if (!STEPS.contains(s)) {
            usage("unknown step '" + s + "'");
          }
          steps.add(s);
        }
      } else {
        usage("unknown argument '" + a + "'");
      }
    }
    Files.createDirectories(OUT);
    if (!reportOnly) {
      Path commandsFile = OUT.resolve("commands.json");
      ObjectNode commands =
          Files.exists(commandsFile)
              ? (ObjectNode) Results.JSON.readTree(commandsFile.toFile())
              : Results.JSON.createObjectNode();
      Results.JSON.writeValue(OUT.resolve("machine.json").toFile(), Machine.describe(quick));
      try (Endpoints endpoints = new Endpoints()) {
        BenchRun run = new BenchRun(quick, commands, endpoints);
        for (String step : steps) {
          System.out.println("== " + step + " (" + Instant.now() + ")");
          run.step(step);
          ObjectNode when = commands.withObjectProperty("ranAt");
          when.put(step, Instant.now().truncatedTo(ChronoUnit.MINUTES).toString());
          Results.JSON.writeValue(commandsFile.toFile(), commands);
        }
      }
    }
    Path written = BenchReport.write(OUT, Path.of("BENCHMARKS.md"), Path.of("bench", "notes.md"));
    System.out.println("wrote " + written);
    System.exit(0);
  }

  private static void usage(String problem) {
    System.err.println(
        "bench/run: "
            + problem
            + "\nusage: bench/run [--quick] [--only=STEP,...] [--report-only]   steps: "
            + String.join(",", STEPS));
    System.exit(2);
  }

  private void step(String step) throws Exception {
    switch (step) {
      case "sdk" -> sdk();
      case "lifecycle" -> lifecycle();
      case "cli" ->
          runJson(
              "cli",
              List.of(
                  "-cp",
                  BENCH_JAR.toString(),
                  "dev.beacon.bench.CliExitBench",
                  quick ? "5" : "40",
                  "examples/cli-app/target/cli-app.jar"));
      case "delivery" ->
          runJson(
              "delivery",
              List.of(
                  "--enable-native-access=ALL-UNNAMED",
                  "-cp",
                  BENCH_JAR.toString(),
                  "dev.beacon.bench.DeliveryRateBench",
                  quick ? "3" : "10",
                  "5000,10000,20000,30000,40000"));
      case "spring" ->
          runJson(
              "spring",
              List.of(
                  "-cp",
                  BENCH_JAR.toString(),
                  "dev.beacon.bench.SpringStartBench",
                  quick ? "3" : "30",
                  "examples/spring-app/target/spring-app.jar"));
      case "ingest" -> {
        if (!onPath("wrk")) {
          skip("ingest", "wrk is not installed (Debian: apt-get install wrk)");
          return;
        }
        runJson(
            "ingest",
            List.of(
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                BENCH_JAR.toString(),
                "dev.beacon.bench.IngestBench",
                quick ? "2" : "10",
                "64"));
      }
      case "queries" -> {
        List<String> duck =
            new ArrayList<>(
                quick ? List.of("0.1,0.2", "10000", "3") : List.of("1,10,50", "100000", "10"));
        List<String> pg =
            new ArrayList<>(
                quick ? List.of("0.1,0.2", "10000", "3") : List.of("1,10", "100000", "10"));
        duck.add("duckdb");
        pg.add("postgres");
        deleteTree(OUT.resolve("duckdb-data"));
        List<String> jvm =
            List.of(
                "-Xmx8g",
                "--enable-native-access=ALL-UNNAMED",
                "-Dbench.keep=" + OUT.resolve("duckdb-data"),
                "-cp",
                BENCH_JAR.toString(),
                "dev.beacon.bench.QueryBench");
        runJson("queries-duckdb", concat(jvm, duck));
        runJson("queries-postgres", concat(jvm.subList(0, 2), jvm.subList(3, 6), pg));
      }
      case "scaleout" ->
          runJson(
              "scaleout",
              List.of(
                  "--enable-native-access=ALL-UNNAMED",
                  "-cp",
                  BENCH_JAR.toString(),
                  "dev.beacon.bench.ScaleOutBench",
                  quick ? "3" : "20",
                  "16"));
      case "export" ->
          runJson(
              "export",
              List.of(
                  "-Xmx256m",
                  "--enable-native-access=ALL-UNNAMED",
                  "-cp",
                  BENCH_JAR.toString(),
                  "dev.beacon.bench.ExportBench",
                  quick ? "20000" : "1000000"));
      case "footprint" -> Footprint.measure(OUT, commands);
      default -> throw new IllegalArgumentException(step);
    }
  }

  /** JMH, SampleTime, each SDK in its own JVM (JMH forks once more, with the same arguments). */
  private void sdk() throws Exception {
    for (Sdk sdk : SDKS) {
      Path json = OUT.resolve("sdk-" + sdk.id() + ".json");
      List<String> cmd = new ArrayList<>(endpoints.systemProperties());
      cmd.addAll(List.of("-jar", sdk.jar().toString(), sdk.benchmark(), "-rf", "json"));
      cmd.addAll(List.of("-rff", json.toString()));
      cmd.addAll(
          quick
              ? List.of("-wi", "1", "-w", "1s", "-i", "2", "-r", "1s", "-f", "1")
              : List.of("-wi", "3", "-w", "2s", "-i", "5", "-r", "2s", "-f", "1"));
      Files.deleteIfExists(json);
      ChildProcess p = ChildProcess.start(java(cmd), Map.of(), Duration.ofMinutes(10));
      p.await();
      if (!Files.exists(json)) {
        throw new IllegalStateException("JMH wrote no result for " + sdk.id());
      }
      record("sdk", sdk.id(), cmd);
    }
    ObjectNode versions = Results.JSON.createObjectNode();
    for (Sdk sdk : SDKS) {
      versions.put(sdk.id(), label(sdk));
    }
    Results.JSON.writeValue(OUT.resolve("sdk-labels.json").toFile(), versions);
  }

  /** 10 M calls with the endpoint dead, then close(), then: does the JVM exit by itself? */
  private void lifecycle() throws Exception {
    ObjectNode all = Results.JSON.createObjectNode();
    String calls = quick ? "200000" : "10000000";
    for (Sdk sdk : SDKS) {
      if (sdk.client() == null) {
        continue; // the floor has nothing to hold or close
      }
      List<String> cmd = new ArrayList<>(List.of("-Xmx4g"));
      cmd.addAll(endpoints.systemProperties());
      cmd.addAll(
          List.of(
              "-cp",
              sdk.jar().toString(),
              "dev.beacon.bench.harness.Lifecycle",
              sdk.client(),
              calls));
      ChildProcess p = ChildProcess.start(java(cmd), Map.of(), Duration.ofMinutes(20));
      String result = p.waitForLine("BENCH-RESULT ");
      boolean returned = p.waitForLine("BENCH-RETURNED") != null;
      long exitMs = p.waitForExit(Duration.ofSeconds(10));
      ObjectNode r =
          result == null
              ? Results.JSON.createObjectNode().put("failure", "no result (crashed or timed out)")
              : (ObjectNode) Results.JSON.readTree(result.substring("BENCH-RESULT ".length()));
      r.put("mainReturned", returned);
      r.put("jvmExited", exitMs >= 0);
      r.put("linesPrinted", p.linesPrinted());
      r.put("exitMs", exitMs);
      p.kill();
      all.set(sdk.id(), r);
      record("lifecycle", sdk.id(), cmd);
      Results.JSON.writeValue(OUT.resolve("lifecycle.json").toFile(), all);
    }
  }

  private void runJson(String name, List<String> args) throws Exception {
    Path json = OUT.resolve(name + ".json");
    Files.deleteIfExists(json);
    List<String> cmd = new ArrayList<>(List.of("-Dbench.json=" + json));
    cmd.addAll(args);
    ChildProcess p = ChildProcess.start(java(cmd), Map.of(), Duration.ofMinutes(60));
    int code = p.await();
    if (code != 0 || !Files.exists(json)) {
      throw new IllegalStateException(name + " failed (exit " + code + ")");
    }
    record(name, null, cmd);
  }

  private void skip(String name, String why) throws IOException {
    System.out.println("skipped " + name + ": " + why);
    Results.JSON.writeValue(OUT.resolve(name + ".json").toFile(), Map.of("skipped", why));
  }

  private void record(String step, String sdk, List<String> cmd) {
    String line =
        "java "
            + String.join(" ", cmd)
                .replaceAll("-Dbench\\.endpoint\\.(\\w+)=\\S+", "-Dbench.endpoint.$1=…")
                .replaceAll("-Dbench\\.json=\\S+ ", "");
    if (sdk == null) {
      commands.put(step, line);
    } else {
      ObjectNode n =
          commands.has(step) && commands.get(step).isObject()
              ? (ObjectNode) commands.get(step)
              : commands.putObject(step);
      n.put(sdk, line);
    }
  }

  static String label(Sdk sdk) throws IOException {
    try (JarFile jar = new JarFile(sdk.jar().toFile())) {
      ZipEntry e = jar.getEntry("peer.properties");
      if (e == null) {
        return sdk.id().equals("floor")
            ? "no SDK: an empty call (the machine's floor)"
            : "Beacon `track()`";
      }
      Properties props = new Properties();
      try (var in = jar.getInputStream(e)) {
        props.load(new InputStreamReader(in, StandardCharsets.UTF_8));
      }
      return props.getProperty("label", sdk.id());
    }
  }

  private static Sdk peer(String name, String benchmark, String client) {
    return new Sdk(
        name,
        Path.of("beacon-bench/peers", name, "target", "peer-" + name + ".jar"),
        benchmark,
        "dev.beacon.bench.peer." + client);
  }

  static List<String> java(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(args);
    return cmd;
  }

  @SafeVarargs
  private static List<String> concat(List<String>... parts) {
    List<String> all = new ArrayList<>();
    for (List<String> p : parts) {
      all.addAll(p);
    }
    return all;
  }

  static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":", -1)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  static JsonNode read(Path file) throws IOException {
    return Files.exists(file) ? Results.JSON.readTree(file.toFile()) : null;
  }
}
