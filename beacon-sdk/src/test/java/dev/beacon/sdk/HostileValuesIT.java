package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security audit 2026-12, H3, as the audit reproduced it: a host with a small heap and a dead
 * endpoint tracks a self-referencing map, a million-element list, a map shared a thousand times and
 * a DAG of 3^16 leaves. Before the fix {@code close()} threw {@code OutOfMemoryError} on the host's
 * thread.
 */
class HostileValuesIT {
  @TempDir Path tmp;

  @Test
  void trackAndCloseStayWithinTheirBoundsOnA64MbHeapAndTheJvmExitsNormally() throws Exception {
    Process p =
        ChildHost.launch(
            List.of("-Xmx64m", "-XX:+UseSerialGC"),
            "hostile",
            Endpoints.dead().toString(),
            tmp.resolve("state").toString());
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly();
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(exited).as("the JVM exited by itself:\n" + out).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).doesNotContain("Exception", "Error", "at dev.beacon").contains("RETURNING");
    // The bounds are generous (a noisy machine): track() never blocks, close() waits at most its
    // 800 ms; before the fix close() ran until the heap was gone.
    assertThat(value(out, "TRACK_MAX_MS")).isLessThan(1_000);
    assertThat(value(out, "CLOSE_MS")).isLessThan(5_000);
    // The map shared a thousand times and the DAG exceed a message: dropped and counted; the
    // cyclic map and the cut list are sent.
    assertThat(value(out, "DROPPED")).isEqualTo(2);
  }

  private static long value(String out, String name) {
    for (String line : out.split("\\R", -1)) {
      if (line.startsWith(name + " ")) {
        return Long.parseLong(line.substring(name.length() + 1).strip());
      }
    }
    throw new AssertionError("no " + name + " in:\n" + out);
  }
}
