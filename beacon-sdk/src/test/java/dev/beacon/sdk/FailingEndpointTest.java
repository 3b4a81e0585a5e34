package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.beacon.sdk.internal.delivery.SpoolProbe;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever the endpoint does, the host is not harmed: track() returns at once, memory and spool
 * stay under their caps, and what was spooled arrives once the endpoint recovers.
 */
class FailingEndpointTest {
  private static final int QUEUE = 500;
  private static final long SPOOL_CAP = 64 * 1024;
  private static final int CALLS = 200_000;

  @TempDir Path tmp;

  /** A misbehaving endpoint on a fixed port, which can be turned into a good one. */
  interface Scenario extends AutoCloseable {
    URI uri();

    TestCollector recover();

    @Override
    void close();
  }

  @Test
  void deadEndpoint() throws Exception {
    URI dead = Endpoints.dead();
    survivesAndRecovers(
        new Scenario() {
          TestCollector good;

          @Override
          public URI uri() {
            return dead;
          }

          @Override
          public TestCollector recover() {
            good = TestCollector.startOn(dead.getPort());
            return good;
          }

          @Override
          public void close() {
            good.close();
          }
        });
  }

  @Test
  void endpointAnswering500() throws Exception {
    TestCollector c = TestCollector.start().answer(500, null);
    survivesAndRecovers(collectorScenario(c));
  }

  @Test
  void endpointAnswering429HonoursRetryAfter() throws Exception {
    TestCollector c = TestCollector.start().answer(429, "1");
    List<Long> attempts = new ArrayList<>(); // those answered 429
    survivesAndRecovers(
        new Scenario() {
          @Override
          public URI uri() {
            return c.uri();
          }

          @Override
          public TestCollector recover() {
            attempts.addAll(c.attemptMillis());
            return c.answer(200, null);
          }

          @Override
          public void close() {
            c.close();
          }
        });
    for (int i = 1; i < Math.min(attempts.size(), 3); i++) {
      // Every retry after a 429 waited at least the second the server asked for.
      assertThat(attempts.get(i) - attempts.get(i - 1)).isGreaterThanOrEqualTo(1000);
    }
  }

  @Test
  void blackHoledEndpoint() throws Exception {
    Endpoints.BlackHole hole = new Endpoints.BlackHole();
    survivesAndRecovers(
        new Scenario() {
          TestCollector good;

          @Override
          public URI uri() {
            return hole.uri();
          }

          @Override
          public TestCollector recover() {
            try {
              hole.close();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
            good = TestCollector.startOn(hole.uri().getPort());
            return good;
          }

          @Override
          public void close() {
            good.close();
          }
        });
    assertThat(hole.connections()).isPositive();
  }

  private static Scenario collectorScenario(TestCollector c) {
    return new Scenario() {
      @Override
      public URI uri() {
        return c.uri();
      }

      @Override
      public TestCollector recover() {
        return c.answer(200, null);
      }

      @Override
      public void close() {
        c.close();
      }
    };
  }

  private void survivesAndRecovers(Scenario scenario) throws Exception {
    Path state = tmp.resolve("state");
    try (scenario;
        Beacon beacon =
            TestBeacons.builder(state, scenario.uri())
                .maxQueueSize(QUEUE)
                .maxSpoolBytes(SPOOL_CAP)
                .requestTimeout(Duration.ofMillis(500))
                .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(400))
                .section("payload", () -> "x".repeat(2000))
                .build()) {
      beacon.start();
      Map<String, Object> props = Map.of("kind", "republish", "count", 3);
      // The caller's thread never waits for the network: 200k calls take well under the bound
      // even though every request hangs or fails (the bound only catches blocking, not speed).
      assertTimeoutPreemptively(
          Duration.ofSeconds(20),
          () -> {
            for (int i = 0; i < CALLS; i++) {
              beacon.track("rule_created", props);
              assertThat(TestBeacons.pipeline(beacon).queued()).isLessThanOrEqualTo(QUEUE);
            }
          });
      assertThat(beacon.control().status().mode()).isEqualTo(TelemetryMode.ON);
      assertThat(beacon.droppedEvents()).as("dropped and counted").isPositive();

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> TestBeacons.pipeline(beacon).queued() == 0);
      Path spoolDir = state.resolve("spool");
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.isDirectory(spoolDir));
      long spoolBytes = TestBeacons.spool(beacon).bytes();
      assertThat(spoolBytes).as("spool bytes").isPositive().isLessThanOrEqualTo(SPOOL_CAP);

      Set<String> spooled = spooledBodies(TestBeacons.spool(beacon));
      assertThat(spooled).isNotEmpty();
      TestCollector good = scenario.recover();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> TestBeacons.spool(beacon).pending().isEmpty());
      Set<String> received =
          good.delivered().stream().map(TestCollector.Request::body).collect(Collectors.toSet());
      assertThat(received).containsAll(spooled);
      // The payloads after the outage tell the server how many events were dropped, those whose
      // count rode a payload the full spool evicted included: an event after it carries the rest.
      beacon.track("after_outage", props);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> good.delivered().stream().anyMatch(r -> r.body().contains("after_outage")));
      long reportedDropped =
          good.delivered().stream()
              .mapToLong(r -> r.json().at("/context/droppedEvents").asLong())
              .sum();
      assertThat(reportedDropped).isPositive();
      // Exactly: the count that rode an evicted payload travels again, but was one drop, not two.
      assertThat(beacon.droppedEvents())
          .as("dropped as the host's MBean counts them, and as the server was told")
          .isEqualTo(reportedDropped);
    }
  }

  private static Set<String> spooledBodies(SpoolProbe spool) throws Exception {
    Set<String> bodies = new HashSet<>();
    List<Path> files = new ArrayList<>(spool.pending());
    for (Path f : files) {
      byte[] b = spool.read(f);
      if (b != null) {
        bodies.add(new String(b, StandardCharsets.UTF_8));
      }
    }
    return bodies;
  }
}
