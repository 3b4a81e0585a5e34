package dev.beacon.sdk;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A host product in a JVM of its own, for the process-level tests. {@code spool}: reports to the
 * endpoint, says SPOOLED once a payload waits in the spool, then idles until killed. {@code exit}:
 * starts telemetry, tracks, and returns from main without closing, to prove the SDK never keeps a
 * JVM alive.
 */
public final class ChildHost {
  private ChildHost() {}

  /** Starts this host in a JVM of its own, with no telemetry variable of the test's machine. */
  static Process launch(String... args) throws java.io.IOException {
    java.util.List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ChildHost.class.getName());
    cmd.addAll(java.util.List.of(args));
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
    while (beacon.pipeline().spool().pending().size() < 1) {
      Thread.onSpinWait();
    }
    System.out.println("SPOOLED");
    System.out.flush();
    new java.util.concurrent.CountDownLatch(1).await(); // until kill -9
  }

  /**
   * {@code cli}: one command run that returns normally; {@code cli-exit}: one that ends with {@code
   * System.exit(7)} in the middle of the command.
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
    CommandRun run = beacon.startCommand(command, java.util.List.of(CommandOption.cli("tag", 1)));
    if (mode.equals("cli-exit")) {
      System.exit(7);
    }
    // A command that works for a moment, as real ones do (werf builds for minutes): its
    // telemetry is delivered beside it, not at its exit.
    long until = System.nanoTime() + 300_000_000L;
    long spin = 0;
    while (System.nanoTime() < until) {
      spin++;
    }
    run.exited(spin > 0 ? 0 : 1);
  }
}
