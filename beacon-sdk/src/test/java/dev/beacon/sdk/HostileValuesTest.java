package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.internal.delivery.SpoolProbe;
import dev.beacon.sdk.internal.json.JsonWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security audit 2026-12, H3: whatever a product passes to {@code track()}, the host's threads stay
 * bounded: a value too large to send is dropped and counted, and {@code close()} and {@code
 * disable()} return on time even while the worker is stuck inside a product's {@code toString}.
 */
public class HostileValuesTest {
  @TempDir Path tmp;

  /** Blocks the thread that reads it as a string until released. */
  static final class StuckToString {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public String toString() {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "released";
    }
  }

  /** A list holding one 10 KB map a thousand times: 10 MB of JSON from 10 KB of heap. */
  public static List<Object> mapSharedAThousandTimes() {
    Map<String, Object> big = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      big.put("key" + i, "v".repeat(100));
    }
    List<Object> thousand = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      thousand.add(big);
    }
    return thousand;
  }

  /**
   * Audit L7: the message limit is in UTF-8 bytes, as the server counts it: 25,000 characters of
   * '€' are 75,000 bytes, over 64 KiB, and would be refused there.
   */
  @Test
  void l7AMessageOverTheLimitInUtf8BytesIsDroppedThoughItsCharactersFit() {
    try (TestCollector collector = TestCollector.start()) {
      Beacon beacon =
          TestBeacons.builder(tmp.resolve("state"), collector.uri())
              .initialDelay(Duration.ofHours(1))
              .build();
      beacon.start();
      Map<String, Object> big = new LinkedHashMap<>();
      for (int i = 0; i < 10; i++) {
        big.put("p" + i, "€".repeat(2500));
      }
      beacon.track("too_many_bytes", big);
      beacon.track("fine", Map.of("p", "€".repeat(2500)));
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages().size() == 1);
      beacon.close();
      assertThat(collector.messages().get(0).get("event").asText()).isEqualTo("fine");
      assertThat(beacon.droppedEvents()).isEqualTo(1);
    }
  }

  @Test
  void anEventTooLargeToSendIsDroppedCountedAndReportedWhileTheOthersGoOut() {
    try (TestCollector collector = TestCollector.start()) {
      Beacon beacon =
          TestBeacons.builder(tmp.resolve("state"), collector.uri())
              .initialDelay(Duration.ofHours(1))
              .build();
      beacon.start();
      Map<String, Object> self = new LinkedHashMap<>();
      self.put("me", self);
      beacon.track("too_large", Map.of("shared", mapSharedAThousandTimes()));
      beacon.track("cyclic", Map.of("self", self));
      beacon.track("fine", Map.of("n", 1));
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages().size() == 2);
      beacon.close();

      List<String> names = new ArrayList<>();
      for (JsonNode m : collector.messages()) {
        names.add(m.get("event").asText());
      }
      assertThat(names).containsExactly("cyclic", "fine");
      assertThat(collector.messages().get(0).at("/properties/self/me").asText())
          .isEqualTo(JsonWriter.CYCLE);
      assertThat(beacon.droppedEvents()).isEqualTo(1);
      assertThat(collector.delivered().get(0).json().at("/context/droppedEvents").asLong())
          .isEqualTo(1);
    }
  }

  /** An error that is not fatal, thrown by a product's value, costs that event alone. */
  @Test
  void anErrorThrownByAProductsToStringDropsThatEventAloneAndTheWorkerGoesOn() {
    Object throwing =
        new Object() {
          @Override
          public String toString() {
            throw new AssertionError("a product's bug");
          }
        };
    try (TestCollector collector = TestCollector.start()) {
      Beacon beacon =
          TestBeacons.builder(tmp.resolve("state"), collector.uri())
              .initialDelay(Duration.ofHours(1))
              .build();
      beacon.start();
      beacon.track("throws", Map.of("value", throwing));
      beacon.track("fine", Map.of("n", 1));
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages().size() == 1);
      beacon.track("later", Map.of("n", 2));
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages().size() == 2);
      beacon.close();
      List<String> names = new ArrayList<>();
      for (JsonNode m : collector.messages()) {
        names.add(m.get("event").asText());
      }
      assertThat(names).containsExactly("fine", "later");
      assertThat(beacon.droppedEvents()).isEqualTo(1);
    }
  }

  @Test
  void closeReturnsWithinItsTimeoutWhileTheWorkerIsStuckInAProductsToString() throws Exception {
    StuckToString stuck = new StuckToString();
    try (Endpoints.BlackHole hole = new Endpoints.BlackHole()) {
      Beacon beacon = stuckInAFlush(hole, stuck);
      // Before the fix close() waited on the flush lock for as long as the toString blocks.
      long start = System.nanoTime();
      assertTimeoutPreemptively(Duration.ofSeconds(5), beacon::close);
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
      stuck.release.countDown();
      // Once the toString returns, the close thread still spools what waited behind it.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> messagesIn(TestBeacons.spool(beacon)) == 2);
      // Then the sender and the close thread may each try the black hole once and note the
      // attempt in the state directory: let them end before the directory is deleted.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  !threadAlive("beacon-acme-close")
                      && !threadAlive("beacon-acme-worker")
                      && !threadAlive("beacon-acme-sender"));
    } finally {
      stuck.release.countDown();
    }
  }

  /** A started Beacon whose worker is stuck in a product's toString, one event queued behind. */
  private Beacon stuckInAFlush(Endpoints.BlackHole hole, StuckToString stuck) {
    Beacon beacon =
        TestBeacons.builder(tmp.resolve("state"), hole.uri())
            .initialDelay(Duration.ofHours(1))
            .closeTimeout(Duration.ofMillis(300))
            .build();
    beacon.start();
    beacon.track("stuck", Map.of("value", stuck));
    await().atMost(Duration.ofSeconds(10)).until(() -> stuck.entered.getCount() == 0);
    beacon.track("queued_behind_it", Map.of("n", 1));
    return beacon;
  }

  private static boolean threadAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }

  @Test
  void disableReturnsWhileAFlushIsStuckAndThatFlushDiscardsWhenItEnds() throws Exception {
    StuckToString stuck = new StuckToString();
    try (Endpoints.BlackHole hole = new Endpoints.BlackHole()) {
      Beacon beacon = stuckInAFlush(hole, stuck);
      assertTimeoutPreemptively(Duration.ofSeconds(5), () -> beacon.control().disable());
      assertThat(beacon.control().status().mode()).isEqualTo(TelemetryMode.OFF);
      stuck.release.countDown();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  TestBeacons.pipeline(beacon).queued() == 0
                      && TestBeacons.spool(beacon).pending().isEmpty());
      // And nothing is written after the discard: off means off.
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(() -> TestBeacons.spool(beacon).pending().isEmpty());
      beacon.close();
    } finally {
      stuck.release.countDown();
    }
  }

  private static long messagesIn(SpoolProbe spool) {
    long n = 0;
    for (Path f : spool.pending()) {
      n += SpoolProbe.messagesIn(f);
    }
    return n;
  }
}
