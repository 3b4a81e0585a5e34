package dev.beacon.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The example CLI as a user runs it: its jar, one JVM per command, its state under a folder of the
 * test's. On a slow machine, when asked: every run pinned to one core that a busy loop shares with
 * it (the hog lives at most five minutes, whatever happens to the test).
 */
final class CliRuns implements AutoCloseable {
  private final Path home;
  private final boolean slow;
  private final Process hog;

  private CliRuns(Path home, boolean slow) throws IOException {
    this.home = home;
    this.slow = slow;
    this.hog =
        slow
            ? new ProcessBuilder(
                    "taskset", "-c", "0", "timeout", "300", "sh", "-c", "while :; do :; done")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start()
            : null;
  }

  static CliRuns normal(Path home) throws IOException {
    return new CliRuns(home, false);
  }

  /** Runs on a starved core; skipped (failed in CI) where {@code taskset} is missing. */
  static CliRuns onSlowMachine(Path home) throws IOException {
    if (!hasTaskset()) {
      String why = "taskset is missing: install util-linux to run the slow-machine CLI tests";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(why);
      }
      Assumptions.abort(why);
    }
    return new CliRuns(home, true);
  }

  private static boolean hasTaskset() {
    try {
      Process p =
          new ProcessBuilder("taskset", "-c", "0", "true")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Runs one command to its end and answers its exit status; it printed nothing of telemetry. */
  int run(URI endpoint, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    if (slow) {
      cmd.addAll(List.of("taskset", "-c", "0"));
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(Path.of("target", "cli-app.jar").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("DEMO_") || k.equals("DO_NOT_TRACK"));
    pb.environment().put("DEMO_TELEMETRY_ENDPOINT", endpoint.toString());
    pb.environment().put("XDG_CONFIG_HOME", home.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).doesNotContain("telemetry").doesNotContain("Exception");
    return p.exitValue();
  }

  /** The payloads still waiting in the CLI's spool. */
  long spooled() throws IOException {
    Path spool = home.resolve("demo").resolve("telemetry").resolve("spool");
    if (!Files.isDirectory(spool)) {
      return 0;
    }
    try (var files = Files.list(spool)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".json")).count();
    }
  }

  @Override
  public void close() {
    if (hog != null) {
      hog.descendants().forEach(ProcessHandle::destroyForcibly);
      hog.destroyForcibly();
    }
  }
}
