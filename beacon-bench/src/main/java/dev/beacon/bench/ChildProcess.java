package dev.beacon.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A benchmark's child process: its output echoed line by line (and counted), a line waited for, its
 * exit waited for, all within a time limit.
 */
final class ChildProcess {
  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Instant deadline;
  private final AtomicLong printed = new AtomicLong();

  private ChildProcess(Process process, Duration limit) {
    this.process = process;
    this.deadline = Instant.now().plus(limit);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  System.out.println("  | " + line);
                  if (!line.startsWith("BENCH-")) {
                    printed.incrementAndGet();
                  }
                  lines.add(line);
                }
              } catch (IOException ignored) {
                // the process ended
              }
            },
            "proc-reader");
    reader.setDaemon(true);
    reader.start();
  }

  static ChildProcess start(List<String> cmd, Map<String, String> env, Duration limit)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    return new ChildProcess(pb.start(), limit);
  }

  long pid() {
    return process.pid();
  }

  /** Lines the process wrote to stdout and stderr, the runner's own protocol lines aside. */
  long linesPrinted() {
    return printed.get();
  }

  /** The first line starting with {@code prefix}, or null if the process ends or times out. */
  String waitForLine(String prefix) throws InterruptedException {
    while (true) {
      long left = Duration.between(Instant.now(), deadline).toMillis();
      if (left <= 0) {
        return null;
      }
      String line = lines.poll(Math.min(left, 500), TimeUnit.MILLISECONDS);
      if (line != null && line.startsWith(prefix)) {
        return line;
      }
      if (line == null && !process.isAlive() && lines.isEmpty()) {
        return null;
      }
    }
  }

  /** Milliseconds until the process exited, or -1 if it still runs after {@code limit}. */
  long waitForExit(Duration limit) throws InterruptedException {
    long start = System.nanoTime();
    return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)
        ? (System.nanoTime() - start) / 1_000_000
        : -1;
  }

  int await() throws InterruptedException {
    long left = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
    if (!process.waitFor(left, TimeUnit.MILLISECONDS)) {
      kill();
      throw new IllegalStateException("timed out: " + process.info().commandLine().orElse(""));
    }
    Thread.sleep(100); // the reader echoes the last lines
    return process.exitValue();
  }

  void kill() throws InterruptedException {
    if (process.isAlive()) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
