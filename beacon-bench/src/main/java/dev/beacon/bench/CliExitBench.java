package dev.beacon.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the SDK adds to the exit of the example CLI ({@code examples/cli-app}): wall time of {@code
 * demo build --tag x} as a whole process, telemetry off (the baseline) and on with the endpoint
 * alive, dead (connection refused) and black-holed (accepts, never answers). Runs alternate between
 * scenarios so that drift of the machine spreads over all of them.
 *
 * <p>Run: {@code java -cp beacon-bench/target/benchmarks.jar dev.beacon.bench.CliExitBench [runs]
 * [path/to/cli-app.jar]}.
 */
public final class CliExitBench {
  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    Path jar = Path.of(args.length > 1 ? args[1] : "examples/cli-app/target/cli-app.jar");
    HttpServer alive =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    alive.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    alive.start();
    int dead;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = s.getLocalPort();
    }
    ServerSocket hole = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
    List<Socket> held = new CopyOnWriteArrayList<>();
    Thread acceptor =
        new Thread(
            () -> {
              while (true) {
                try {
                  held.add(hole.accept());
                } catch (IOException closed) {
                  return;
                }
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();

    Map<String, String> endpoints = new LinkedHashMap<>();
    endpoints.put("off (baseline)", null);
    endpoints.put("alive", "http://127.0.0.1:" + alive.getAddress().getPort());
    endpoints.put("dead", "http://127.0.0.1:" + dead);
    endpoints.put("black-holed", "http://127.0.0.1:" + hole.getLocalPort());
    Map<String, List<Long>> times = new LinkedHashMap<>();
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
    alive.stop(0);
    hole.close();

    long[] base = sorted(times.get("off (baseline)"));
    System.out.println(
        "| endpoint | p50 | p90 | p99 (max of " + runs + ") | added p50 | added p99 |");
    System.out.println("|---|---|---|---|---|---|");
    for (Map.Entry<String, List<Long>> e : times.entrySet()) {
      long[] t = sorted(e.getValue());
      System.out.printf(
          "| %s | %d ms | %d ms | %d ms | %+d ms | %+d ms |%n",
          e.getKey(), p(t, 50), p(t, 90), p(t, 99), p(t, 50) - p(base, 50), p(t, 99) - p(base, 99));
    }
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
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().keySet().removeIf(k -> k.startsWith("DEMO_") || k.equals("DO_NOT_TRACK"));
    pb.environment().put("XDG_CONFIG_HOME", home.toString());
    if (endpoint == null) {
      pb.environment().put("DEMO_TELEMETRY", "off");
    } else {
      pb.environment().put("DEMO_TELEMETRY_ENDPOINT", endpoint);
    }
    long start = System.nanoTime();
    Process p = pb.start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("the CLI failed");
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static long[] sorted(List<Long> values) {
    long[] a = values.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(a);
    return a;
  }

  private static long p(long[] sorted, int percentile) {
    int i = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
