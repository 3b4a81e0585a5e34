package dev.beacon.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the Beacon starter adds to the start of a Spring Boot service ({@code examples/spring-app}):
 * the JVM's uptime when Spring logs {@code Started SpringApp ... (process running for N)}, with
 * {@code beacon.enabled=false} as the baseline (a Beacon that is off for good, for the controller
 * that holds one; none of the starter's registry, endpoint or lifecycle) and with telemetry on, the
 * endpoint alive and dead. Runs alternate between scenarios; each starts on a fresh state directory
 * (a first start, the costliest). Writes each run's milliseconds ({@link Results}).
 *
 * <p>Run: {@code java -cp beacon-bench/target/benchmarks.jar dev.beacon.bench.SpringStartBench
 * [runs] [path/to/spring-app.jar]}.
 */
public final class SpringStartBench {
  private static final Pattern STARTED =
      Pattern.compile("Started SpringApp in [0-9.]+ seconds \\(process running for ([0-9.]+)\\)");

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    Path jar = Path.of(args.length > 1 ? args[1] : "examples/spring-app/target/spring-app.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it first (./mvnw package)");
    }
    Map<String, List<Long>> times = new LinkedHashMap<>();
    Map<String, List<Long>> cpu = new LinkedHashMap<>();
    try (Endpoints sinks = new Endpoints()) {
      Map<String, List<String>> scenarios = new LinkedHashMap<>();
      scenarios.put("disabled", List.of("--beacon.enabled=false"));
      scenarios.put("alive", List.of("--beacon.endpoint=" + sinks.alive()));
      scenarios.put("dead", List.of("--beacon.endpoint=" + sinks.dead()));
      for (String name : scenarios.keySet()) {
        times.put(name, new ArrayList<>());
        cpu.put(name, new ArrayList<>());
      }
      for (int i = 0; i < runs + 2; i++) {
        for (Map.Entry<String, List<String>> s : scenarios.entrySet()) {
          long[] ms = runOnce(jar, s.getValue());
          if (i >= 2) { // the first runs warm the page cache
            times.get(s.getKey()).add(ms[0]);
            cpu.get(s.getKey()).add(ms[1]);
          }
        }
      }
    }
    for (Map.Entry<String, List<Long>> e : times.entrySet()) {
      System.out.printf(
          "%s: p50 %d ms, p90 %d ms%n",
          e.getKey(), Results.percentile(e.getValue(), 50), Results.percentile(e.getValue(), 90));
    }
    Results.write(Map.of("runs", runs, "millis", times, "cpuMillis", cpu));
  }

  /** The JVM's uptime and the CPU time of the process when Spring says it has started. */
  private static long[] runOnce(Path jar, List<String> extra) throws Exception {
    Path data = Files.createTempDirectory("spring-start-bench");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.add("--server.port=0");
    cmd.addAll(extra);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("SHOP_") || k.equals("DO_NOT_TRACK"));
    pb.environment().put("SHOP_DATA", data.toString());
    Process p = pb.start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        Matcher m = STARTED.matcher(line);
        if (m.find()) {
          long cpuMillis =
              p.toHandle().info().totalCpuDuration().map(d -> d.toMillis()).orElse(-1L);
          return new long[] {Math.round(Double.parseDouble(m.group(1)) * 1000), cpuMillis};
        }
      }
      throw new IllegalStateException("the service ended without starting: " + cmd);
    } finally {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      deleteTree(data);
    }
  }

  private static void deleteTree(Path dir) throws Exception {
    try (var paths = Files.walk(dir)) {
      for (Path f : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }
}
