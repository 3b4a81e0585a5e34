package dev.beacon.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the SDK adds to the exit of the example CLI ({@code examples/cli-app}): wall time of {@code
 * demo build --tag x} as a whole process, telemetry off (the baseline) and on with the endpoint
 * alive, dead (connection refused) and black-holed (accepts, never answers). Runs alternate between
 * scenarios so that drift of the machine spreads over all of them. Writes each run's wall time in
 * milliseconds ({@link Results}).
 *
 * <p>Run: {@code java -cp beacon-bench/target/benchmarks.jar dev.beacon.bench.CliExitBench [runs]
 * [path/to/cli-app.jar]}.
 */
public final class CliExitBench {
  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    Path jar = Path.of(args.length > 1 ? args[1] : "examples/cli-app/target/cli-app.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it first (./mvnw package)");
    }
    Map<String, String> endpoints = new LinkedHashMap<>();
    Map<String, List<Long>> times = new LinkedHashMap<>();
    try (Endpoints sinks = new Endpoints()) {
      endpoints.put("off", null);
      endpoints.put("alive", sinks.alive());
      endpoints.put("dead", sinks.dead());
      endpoints.put("blackhole", sinks.blackhole());
      Map<String, Path> homes = new LinkedHashMap<>();
      for (String name : endpoints.keySet()) {
        times.put(name, new ArrayList<>());
        homes.put(name, Files.createTempDirectory("cli-exit-bench"));
      }
      for (int i = 0; i < runs + 3; i++) {
        for (Map.Entry<String, String> e : endpoints.entrySet()) {
          long ms = runOnce(jar, e.getValue(), homes.get(e.getKey()));
          if (i >= 3) { // the first runs warm the page cache
            times.get(e.getKey()).add(ms);
          }
        }
      }
    }
    for (Map.Entry<String, List<Long>> e : times.entrySet()) {
      System.out.printf(
          "%s: p50 %d ms, p99 %d ms%n",
          e.getKey(), Results.percentile(e.getValue(), 50), Results.percentile(e.getValue(), 99));
    }
    Results.write(Map.of("runs", runs, "millis", times));
  }

  private static long runOnce(Path jar, String endpoint, Path home) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "build",
                "--tag",
                "x")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().keySet().removeIf(k -> k.startsWith("DEMO_") || k.equals("DO_NOT_TRACK"));
    pb.environment().put("XDG_CONFIG_HOME", home.toString());
    if (endpoint == null) {
      pb.environment().put("DEMO_TELEMETRY", "off");
    } else {
      pb.environment().put("DEMO_TELEMETRY_ENDPOINT", endpoint);
    }
    long start = System.nanoTime();
    Process p = pb.start();
    int code = p.waitFor();
    if (code != 0) {
      throw new IllegalStateException(
          "the CLI failed with exit code " + code + " (its errors above)");
    }
    return (System.nanoTime() - start) / 1_000_000;
  }
}
