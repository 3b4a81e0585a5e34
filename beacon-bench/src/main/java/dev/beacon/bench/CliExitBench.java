package dev.beacon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the SDK adds to the example CLI ({@code examples/cli-app}), {@code demo build --tag x} as a
 * whole process: telemetry off (the baseline) and on with the endpoint alive, dead (connection
 * refused) and black-holed (accepts, never answers). Runs alternate between scenarios so that drift
 * of the machine spreads over all of them. For each run: the process's wall time, and its CPU time
 * (user + system, all its threads, as the OS counts a waited-for child: {@code cutime + cstime} of
 * {@code /proc/self/stat}, 10 ms ticks). Two modes:
 *
 * <ul>
 *   <li>{@code script}: commands back to back, as a script runs them; a detached uploader started
 *       by one run is still there (it lingers 2 s) for the next of its scenario.
 *   <li>{@code lone}: each command alone, as someone typing one now and then: after each run the
 *       bench waits for the run's uploader to leave (at most 4 s, then stops it) and counts the CPU
 *       time it used, which the user's machine pays too.
 * </ul>
 *
 * <p>Linux only ({@code /proc}). Run: {@code java -cp beacon-bench/target/benchmarks.jar
 * dev.beacon.bench.CliExitBench [runs] [path/to/cli-app.jar]}.
 */
public final class CliExitBench {
  /** The uploader's main class, by its simple name (the SDK's internal packages are its own). */
  private static final String UPLOADER = ".DetachedUploader";

  private static final long UPLOADER_WATCH_MILLIS = 4_000;
  private static final long TICK_MILLIS = 10; // USER_HZ is 100 on Linux

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    Path jar = Path.of(args.length > 1 ? args[1] : "examples/cli-app/target/cli-app.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it first (./mvnw package)");
    }
    if (!Files.isReadable(Path.of("/proc/self/stat"))) {
      throw new IllegalStateException("CliExitBench reads CPU time from /proc: Linux only");
    }
    Map<String, Object> modes = new LinkedHashMap<>();
    try (Endpoints sinks = new Endpoints()) {
      Map<String, String> endpoints = new LinkedHashMap<>();
      endpoints.put("off", null);
      endpoints.put("alive", sinks.alive());
      endpoints.put("dead", sinks.dead());
      endpoints.put("blackhole", sinks.blackhole());
      for (String mode : List.of("script", "lone")) {
        modes.put(mode, runMode(mode.equals("lone"), runs, jar, endpoints));
      }
    }
    Results.write(Map.of("runs", runs, "modes", modes));
  }

  private static Map<String, Map<String, List<Long>>> runMode(
      boolean lone, int runs, Path jar, Map<String, String> endpoints) throws Exception {
    Map<String, List<Long>> wall = new LinkedHashMap<>();
    Map<String, List<Long>> cpu = new LinkedHashMap<>();
    Map<String, List<Long>> uploaderCpu = new LinkedHashMap<>();
    Map<String, Path> homes = new LinkedHashMap<>();
    for (String name : endpoints.keySet()) {
      wall.put(name, new ArrayList<>());
      cpu.put(name, new ArrayList<>());
      uploaderCpu.put(name, new ArrayList<>());
      homes.put(name, Files.createTempDirectory("cli-exit-bench"));
    }
    for (int i = 0; i < runs + 3; i++) {
      for (Map.Entry<String, String> e : endpoints.entrySet()) {
        Path home = homes.get(e.getKey());
        long[] run = runOnce(jar, e.getValue(), home);
        long uploader = lone ? awaitUploader(home, UPLOADER_WATCH_MILLIS) : 0;
        if (i >= 3) { // the first runs warm the page cache
          wall.get(e.getKey()).add(run[0]);
          cpu.get(e.getKey()).add(run[1]);
          uploaderCpu.get(e.getKey()).add(uploader);
        }
      }
    }
    for (Path home : homes.values()) {
      awaitUploader(home, 0); // a dead endpoint's uploader would retry for a minute
    }
    for (String name : endpoints.keySet()) {
      System.out.printf(
          "%s %s: wall p50 %d ms, p99 %d ms; cpu p50 %d ms; uploader cpu p50 %d ms%n",
          lone ? "lone" : "script",
          name,
          Results.percentile(wall.get(name), 50),
          Results.percentile(wall.get(name), 99),
          Results.percentile(cpu.get(name), 50),
          Results.percentile(uploaderCpu.get(name), 50));
    }
    Map<String, Map<String, List<Long>>> out = new LinkedHashMap<>();
    out.put("millis", wall);
    out.put("cpuMillis", cpu);
    if (lone) {
      out.put("uploaderCpuMillis", uploaderCpu);
    }
    return out;
  }

  /** One run: its wall time and the CPU time it used, in milliseconds. */
  private static long[] runOnce(Path jar, String endpoint, Path home) throws Exception {
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
    long cpuBefore = childrenCpuMillis();
    long start = System.nanoTime();
    Process p = pb.start();
    int code = p.waitFor();
    long wall = (System.nanoTime() - start) / 1_000_000;
    if (code != 0) {
      throw new IllegalStateException(
          "the CLI failed with exit code " + code + " (its errors above)");
    }
    return new long[] {wall, childrenCpuMillis() - cpuBefore};
  }

  /** CPU time of this JVM's waited-for children (fields 16 and 17 of /proc/self/stat). */
  private static long childrenCpuMillis() throws IOException {
    String[] f = statFields(Path.of("/proc/self/stat")).orElseThrow();
    return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * TICK_MILLIS;
  }

  /** The fields after the command name (which may hold spaces): index 0 is field 3, the state. */
  private static Optional<String[]> statFields(Path stat) {
    try {
      String s = Files.readString(stat);
      return Optional.of(s.substring(s.lastIndexOf(')') + 2).split(" "));
    } catch (IOException | RuntimeException gone) {
      return Optional.empty();
    }
  }

  /**
   * The uploader a run left for this home (a process of its own, no child of the run's): its CPU
   * time once it leaves, as last seen in /proc; stopped after {@code watchMillis}.
   */
  private static long awaitUploader(Path home, long watchMillis) throws InterruptedException {
    String dir = home.toString();
    List<ProcessHandle> uploaders =
        ProcessHandle.allProcesses()
            .filter(
                ph ->
                    ph.info()
                        .arguments()
                        .map(
                            a ->
                                Arrays.stream(a).anyMatch(x -> x.endsWith(UPLOADER))
                                    && Arrays.stream(a).anyMatch(x -> x.startsWith(dir)))
                        .orElse(false))
            .toList();
    long total = 0;
    for (ProcessHandle ph : uploaders) {
      long last = 0;
      long deadline = System.currentTimeMillis() + watchMillis;
      Path stat = Path.of("/proc", Long.toString(ph.pid()), "stat");
      while (ph.isAlive() && System.currentTimeMillis() < deadline) {
        Optional<String[]> f = statFields(stat);
        if (f.isPresent()) {
          last = (Long.parseLong(f.get()[11]) + Long.parseLong(f.get()[12])) * TICK_MILLIS;
        }
        Thread.sleep(10);
      }
      ph.destroyForcibly();
      total += last;
    }
    return total;
  }
}
