package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.beacon.sdk.internal.delivery.SpoolProbe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SDK in a host process of its own: killed with -9, and exiting without close(). */
class ProcessLifecycleIT {
  @TempDir Path tmp;

  private static Process child(String mode, String endpoint, Path state) throws Exception {
    return ChildHost.launch(mode, endpoint, state.toString());
  }

  private static String awaitLine(Process p, String expected) throws Exception {
    BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    String line;
    while ((line = r.readLine()) != null) {
      seen.append(line).append('\n');
      if (line.equals(expected)) {
        return seen.toString();
      }
    }
    throw new AssertionError("child ended before printing " + expected + ":\n" + seen);
  }

  @Test
  void reportsSpooledByAHostKilledWithSigkillAreSentAtItsNextStart() throws Exception {
    Path state = tmp.resolve("state");
    try (Endpoints.BlackHole hole = new Endpoints.BlackHole()) {
      Process first = child("spool", hole.uri().toString(), state);
      try {
        awaitLine(first, "SPOOLED");
      } finally {
        first.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
        first.waitFor(30, TimeUnit.SECONDS);
      }
    }
    List<String> spooled = new ArrayList<>();
    for (Path f : SpoolProbe.at(state.resolve("spool")).pending()) {
      spooled.add(Files.readString(f));
    }
    assertThat(spooled).isNotEmpty();

    try (TestCollector collector = TestCollector.start()) {
      Process second = child("spool", collector.uri().toString(), state);
      try {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    collector.delivered().stream()
                        .map(TestCollector.Request::body)
                        .toList()
                        .containsAll(spooled));
      } finally {
        second.destroyForcibly();
        second.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void theHostJvmExitsWithoutCloseEvenWhenTheEndpointIsBlackHoled() throws Exception {
    try (Endpoints.BlackHole hole = new Endpoints.BlackHole()) {
      Process p = child("exit", hole.uri().toString(), tmp.resolve("state"));
      awaitLine(p, "RETURNING");
      boolean exited = p.waitFor(30, TimeUnit.SECONDS);
      if (!exited) {
        p.destroyForcibly();
      }
      assertThat(exited).as("the JVM exited by itself").isTrue();
      assertThat(p.exitValue()).isZero();
    }
  }
}
