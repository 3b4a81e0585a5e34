package dev.beacon.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beacon.server.Refusal;
import dev.beacon.server.storage.DuckDbStore;
import dev.beacon.server.storage.Rejection;
import dev.beacon.server.storage.StoredEvent;
import dev.beacon.server.storage.Write;
import dev.beacon.server.storage.Written;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitWriterTest {
  @TempDir Path dir;

  private static StoredEvent event(int i, int propertyChars) {
    Instant now = Instant.now();
    return new StoredEvent(
        "p",
        "id-" + i,
        "track",
        "e",
        "a",
        null,
        now,
        now,
        null,
        null,
        null,
        null,
        null,
        "{\"x\":\"" + "x".repeat(propertyChars) + "\"}",
        "{}");
  }

  /** Audit M10: the queue is bounded in bytes, not only in events: a request past it is 503. */
  @Test
  void m10TheQueueIsBoundedInBytes() throws Exception {
    try (DuckDbStore store =
            new DuckDbStore(dir.resolve("b.duckdb"), Duration.ofHours(1), 1000, 10);
        GroupCommitWriter w =
            new GroupCommitWriter(store, 200_000, 1024 * 1024, 20_000, new SimpleMeterRegistry())) {
      List<StoredEvent> big = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        big.add(event(i, 60_000)); // 16 events of 60 KB, each within the event limit: ~1.9 MB
      }
      assertThatThrownBy(() -> w.submit(big))
          .isInstanceOfSatisfying(
              Refusal.class,
              e -> {
                assertThat(e.code()).isEqualTo("writer_full");
                assertThat(e.getMessage()).contains("1048576 bytes of events");
                assertThat(e.retryAfterSeconds()).isPositive();
              });
      assertThat(w.queuedBytes()).isZero(); // nothing of the refused request stays counted
      boolean[] stored = w.submit(big.subList(0, 4)).get(30, TimeUnit.SECONDS);
      assertThat(stored).containsExactly(true, true, true, true);
      // The writer answers a group before it counts the group out of the queue.
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> w.queuedBytes() == 0);
    }
  }

  /**
   * Issue 19: requests' refused events go through the writer with their events, each request
   * getting back the quarantine ids of its own.
   */
  @Test
  void eachRequestOfAGroupGetsItsOwnEventsAndQuarantineIdsBack() throws Exception {
    try (DuckDbStore store =
            new DuckDbStore(dir.resolve("q.duckdb"), Duration.ofHours(1), 1000, 100);
        GroupCommitWriter w =
            new GroupCommitWriter(store, 200_000, 1024 * 1024, 20_000, new SimpleMeterRegistry())) {
      Instant now = Instant.now();
      List<CompletableFuture<Written>> answers = new ArrayList<>();
      for (int r = 0; r < 20; r++) {
        List<Rejection> refused = new ArrayList<>();
        for (int k = 0; k < r % 3; k++) {
          refused.add(new Rejection("request " + r + " refused " + k, "{}"));
        }
        answers.add(
            w.submit(
                new Write(
                    List.of(event(2 * r, 10), event(2 * r + 1, 10), event(2 * r, 10)),
                    refused.isEmpty() ? List.of() : List.of(new Write.Kept("p", now, refused)),
                    List.of())));
      }
      for (int r = 0; r < 20; r++) {
        Written mine = answers.get(r).get(30, TimeUnit.SECONDS);
        assertThat(mine.stored()).containsExactly(true, true, false);
        if (r % 3 == 0) {
          assertThat(mine.keptIds()).isEmpty();
        } else {
          assertThat(mine.keptIds()).hasSize(1);
          long[] ids = mine.keptIds().get(0);
          assertThat(ids).hasSize(r % 3);
          for (int k = 0; k < ids.length; k++) {
            assertThat(store.quarantinedEvent("p", ids[k]))
                .get()
                .extracting(q -> q.reason())
                .isEqualTo("request " + r + " refused " + k);
          }
        }
      }
      assertThat(store.count("p")).isEqualTo(40);
    }
  }

  /**
   * Requests prepared on their own threads (ids hashed, rollup deltas made) and committed in groups
   * whose requests share ids: each id is stored once, answered "stored" once, and counted once in
   * the rollups, whatever request of which group carried it first.
   */
  @Test
  void requestsPreparedOnTheirThreadsStoreAndCountEachIdOnce() throws Exception {
    try (DuckDbStore store =
            new DuckDbStore(dir.resolve("p.duckdb"), Duration.ofHours(1), 100_000, 100);
        GroupCommitWriter w =
            new GroupCommitWriter(store, 200_000, 64L << 20, 20_000, new SimpleMeterRegistry())) {
      int requests = 400;
      List<Callable<boolean[]>> clients = new ArrayList<>();
      for (int r = 0; r < requests; r++) {
        int first = r;
        clients.add(
            () -> {
              List<StoredEvent> events = new ArrayList<>();
              for (int i = first; i < first + 10; i++) {
                events.add(event(i, 10)); // ids first..first+9: neighbours share nine
              }
              return w.submit(events).get(30, TimeUnit.SECONDS);
            });
      }
      List<Future<boolean[]>> answers;
      try (ExecutorService threads = Executors.newFixedThreadPool(16)) {
        answers = threads.invokeAll(clients);
      }
      int[] storedTimes = new int[requests + 9];
      for (int r = 0; r < requests; r++) {
        boolean[] stored = answers.get(r).get(30, TimeUnit.SECONDS);
        for (int k = 0; k < stored.length; k++) {
          storedTimes[r + k] += stored[k] ? 1 : 0;
        }
      }
      assertThat(storedTimes).containsOnly(1);
      assertThat(store.count("p")).isEqualTo(requests + 9);
      assertThat(store.summary("p", Instant.EPOCH).events()).isEqualTo(requests + 9);
    }
  }
}
