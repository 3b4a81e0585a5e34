package dev.beacon.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.Endpoints;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The context closes within Beacon's close timeout whatever the endpoint does, and leaves no thread
 * of Beacon's behind. The bound asserted is generous (the machine is shared): it catches a close
 * that waits on the network, not a slow one.
 */
class ContextCloseTest {
  @TempDir Path tmp;

  private void closesWithinItsBound(URI endpoint) {
    ApplicationContextRunner runner =
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BeaconAutoConfiguration.class))
            .withPropertyValues(
                "beacon.product=closing",
                "beacon.endpoint=" + endpoint,
                "beacon.write-key=wk_closing",
                "beacon.state-directory=" + tmp.resolve("state"),
                "beacon.initial-delay=0s",
                "beacon.flush-interval=50ms",
                "beacon.close-timeout=300ms",
                "beacon.request-timeout=1s");
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () ->
            runner.run(
                ctx -> {
                  Beacon beacon = ctx.getBean(Beacon.class);
                  for (int i = 0; i < 500; i++) {
                    beacon.track("order_placed", Map.of("n", i));
                  }
                }));
    // A request under way when the context closed may still wait out its timeout (1 s here), on a
    // daemon thread, which never keeps the JVM up; then nothing of Beacon's is left.
    assertThat(beaconThreads()).allMatch(Thread::isDaemon);
    await().atMost(Duration.ofSeconds(10)).until(() -> beaconThreads().isEmpty());
  }

  private static List<Thread> beaconThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("beacon-closing"))
        .toList();
  }

  @Test
  void closesWithinItsBoundWithTheEndpointDead() {
    closesWithinItsBound(Endpoints.dead());
  }

  @Test
  void closesWithinItsBoundWithTheEndpointBlackHoled() throws Exception {
    try (Endpoints.BlackHole hole = new Endpoints.BlackHole()) {
      closesWithinItsBound(hole.uri());
      assertThat(hole.connections()).isPositive();
    }
  }
}
