package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RecentMessageIdsTest {
  @Test
  void m5OneProductFloodingNewIdsEvictsOnlyItsOwn() {
    RecentMessageIds ids = new RecentMessageIds(Duration.ofHours(24), 1000);
    long now = System.currentTimeMillis();
    ids.add("victim", "retried-later", now);
    for (int i = 0; i < 10_000; i++) {
      ids.add("flooder", UUID.randomUUID().toString(), now);
    }
    assertThat(ids.contains("victim", "retried-later")).isTrue();
    assertThat(ids.size("flooder")).isEqualTo(1000);
    assertThat(ids.contains("flooder", "retried-later")).isFalse();
  }

  @Test
  void idsLeaveTheWindowOldestFirst() {
    RecentMessageIds ids = new RecentMessageIds(Duration.ofMinutes(1), 100);
    long now = System.currentTimeMillis();
    ids.add("p", "old", now - 120_000);
    ids.add("p", "new", now);
    assertThat(ids.contains("p", "old")).isFalse();
    assertThat(ids.contains("p", "new")).isTrue();
  }

  /**
   * M5: the memory the README states (about 150 bytes per UUID id) is what the heap shows: 200,000
   * ids, measured after a full collection; bounded generously, since a collector may keep a little
   * garbage.
   */
  @Test
  void m5AnIdCostsAbout150BytesOfHeap() {
    Runtime rt = Runtime.getRuntime();
    long before = usedAfterGc(rt);
    RecentMessageIds ids = new RecentMessageIds(Duration.ofHours(24), 1_000_000);
    long now = System.currentTimeMillis();
    for (int i = 0; i < 200_000; i++) {
      ids.add("p", UUID.randomUUID().toString(), now);
    }
    long after = usedAfterGc(rt);
    double perId = (after - before) / 200_000.0;
    assertThat(ids.size()).isEqualTo(200_000);
    // The string (about 56 bytes), the linked entry (40), the boxed time (16), the table slot.
    assertThat(perId).isBetween(100.0, 220.0);
  }

  private static long usedAfterGc(Runtime rt) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
