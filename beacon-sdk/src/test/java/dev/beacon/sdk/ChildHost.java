package dev.beacon.sdk;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A host product in a JVM of its own, for the process-level tests. {@code spool}: reports to the
 * endpoint, says SPOOLED once a payload waits in the spool, then idles until killed. {@code exit}:
 * starts telemetry, tracks, and returns from main without closing, to prove the SDK never keeps a
 * JVM alive. {@code hostile}: tracks values that would expand without bound, closes, and prints how
 * long each call took (security audit 2026-12, H3).
 */
public final class ChildHost {
  private ChildHost() {}

  /** Starts this host in a JVM of its own, with no telemetry variable of the test's machine. */
  static Process launch(String... args) throws IOException {
    return launch(List.of(), args);
  }

  /** As {@link #launch(String...)}, with options for the JVM (such as {@code -Xmx64m}). */
  static Process launch(List<String> jvmOptions, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ChildHost.class.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("ACME_") || k.equals("DO_NOT_TRACK"));
    return pb.start();
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    if (mode.startsWith("cli")) {
      cli(mode, URI.create(args[1]), Path.of(args[2]), args[3]);
      return;
    }
    URI endpoint = URI.create(args[1]);
    Path state = Path.of(args[2]);
    if (mode.equals("hostile")) {
      hostile(endpoint, state);
      return;
    }
    Beacon beacon =
        Beacon.builder("acme")
            .version("5.0.9")
            .writeKey("wk_test")
            .endpoint(endpoint)
            .stateDirectory(state)
            .initialDelay(Duration.ZERO)
            .flushInterval(Duration.ofMillis(50))
            .requestTimeout(Duration.ofSeconds(30))
            .build();
    beacon.start();
    beacon.track("started", Map.of("mode", mode));
    if (mode.equals("exit")) {
      System.out.println("RETURNING");
      return;
    }
    while (TestBeacons.spool(beacon).pending().size() < 1) {
      Thread.onSpinWait();
    }
    System.out.println("SPOOLED");
    System.out.flush();
    new CountDownLatch(1).await(); // until kill -9
  }

  /**
   * {@code cli}: one command run that returns normally; {@code cli-exit}: one that ends with {@code
   * System.exit(7)} in the middle of the command, without {@code exited}.
   */
  private static void cli(String mode, URI endpoint, Path state, String command) {
    Beacon beacon =
        Beacon.builder("acme")
            .version("1.0.0")
            .writeKey("wk_test")
            .endpoint(endpoint)
            .stateDirectory(state)
            .forCommandLine()
            .build();
    CommandRun run = beacon.startCommand(command, List.of(CommandOption.cli("tag", 1)));
    // A command that works for a moment, as real ones do (werf builds for minutes): its
    // telemetry is delivered beside it, not at its exit. (An exit within milliseconds of a cold
    // JVM's start may not even spool its events: the exit waits 50 ms in all.)
    long until = System.nanoTime() + 300_000_000L;
    long spin = 0;
    while (System.nanoTime() < until) {
      spin++;
    }
    if (mode.equals("cli-exit")) {
      System.exit(7);
    }
    run.exited(spin > 0 ? 0 : 1);
  }

  /**
   * Tracks a map that holds itself under eight keys (8^16 paths), a list of a million elements, a
   * map shared a thousand times and a DAG of 3^16 leaves, then closes; prints {@code TRACK_MAX_MS},
   * {@code CLOSE_MS} and {@code DROPPED}, and returns from main (the JVM must then exit by itself).
   */
  private static void hostile(URI endpoint, Path state) {
    Beacon beacon =
        Beacon.builder("acme")
            .version("1.0.0")
            .writeKey("wk_test")
            .endpoint(endpoint)
            .stateDirectory(state)
            .registerMBean(false)
            .initialDelay(Duration.ofHours(1))
            .flushInterval(Duration.ofMillis(20))
            .build();
    beacon.start();
    Map<String, Object> self = new LinkedHashMap<>();
    for (int i = 0; i < 8; i++) {
      self.put("self" + i, self);
    }
    List<Integer> million = new ArrayList<>();
    for (int i = 0; i < 1_000_000; i++) {
      million.add(i);
    }
    Map<String, Object> big = new LinkedHashMap<>();
    for (int i = 0; i < 1000; i++) {
      big.put("key" + i, "v".repeat(100));
    }
    List<Object> shared = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      shared.add(big);
    }
    Object dag = "leaf";
    for (int i = 0; i < 16; i++) {
      dag = List.of(dag, dag, dag);
    }
    long trackMax = 0;
    for (Object value : List.of(self, million, shared, dag)) {
      long t = System.nanoTime();
      beacon.track("hostile", Map.of("value", value));
      trackMax = Math.max(trackMax, System.nanoTime() - t);
    }
    long t = System.nanoTime();
    beacon.close();
    long close = System.nanoTime() - t;
    System.out.println("TRACK_MAX_MS " + trackMax / 1_000_000);
    System.out.println("CLOSE_MS " + close / 1_000_000);
    System.out.println("DROPPED " + beacon.droppedEvents());
    System.out.println("RETURNING");
    System.out.flush();
  }
}
