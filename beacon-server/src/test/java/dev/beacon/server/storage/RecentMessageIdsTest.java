package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
   * The memory the README states (about 23 bytes an id at the cap, issue 20's target 24): the
   * arrays' exact size with 2,000,000 ids of one product, and the heap after a full collection
   * (bounded generously, since a collector may keep a little garbage).
   */
  @Test
  void twoMillionIdsOfOneProductTakeAtMost24BytesEach() {
    Runtime rt = Runtime.getRuntime();
    long before = usedAfterGc(rt);
    RecentMessageIds ids = new RecentMessageIds(Duration.ofHours(24), 2_000_000);
    long now = System.currentTimeMillis();
    for (int i = 0; i < 2_000_000; i++) {
      ids.add("p", new UUID(0x1234_5678_9abc_def0L, i).toString(), now);
    }
    long after = usedAfterGc(rt);
    assertThat(ids.size()).isEqualTo(2_000_000);
    assertThat(ids.bytes() / 2_000_000.0).isLessThanOrEqualTo(24.0).isGreaterThan(16.0);
    assertThat((after - before) / 2_000_000.0).isLessThan(30.0);
    assertThat(ids.contains("p", new UUID(0x1234_5678_9abc_def0L, 1_999_999).toString())).isTrue();
    assertThat(ids.contains("p", new UUID(0x1234_5678_9abc_def0L, 2_000_000).toString())).isFalse();
  }

  /**
   * Against a plain model (a LinkedHashMap of the ids), under growth, wrap-around, capacity and
   * window eviction: every id the model holds is found, every id it let go is not.
   */
  @Test
  void agreesWithAPlainModelThroughGrowthWrapAndEviction() {
    int capacity = 3000; // not a multiple of the block: the last block is short
    long window = 50_000;
    RecentMessageIds ids = new RecentMessageIds(Duration.ofMillis(window), capacity);
    LinkedHashMap<String, Long> model = new LinkedHashMap<>();
    Random random = new Random(42);
    long now = 1_000_000;
    for (int step = 0; step < 40_000; step++) {
      now += random.nextInt(20);
      String id = "id-" + random.nextInt(20_000);
      boolean inModel = model.containsKey(id);
      boolean found = ids.contains("p", id);
      if (inModel) {
        assertThat(found).as("kept id %s at step %d", id, step).isTrue();
      }
      if (!found) {
        ids.add("p", id, now);
        model.remove(id);
        model.put(id, now);
        while (model.size() > capacity) {
          model.remove(model.keySet().iterator().next());
        }
        // The window may keep ids past their time (a block's newest decides), never fewer.
        long cutoff = now - window;
        model.values().removeIf(t -> t < cutoff);
      }
      assertThat(ids.size("p")).isLessThanOrEqualTo(capacity).isGreaterThanOrEqualTo(model.size());
    }
  }

  /**
   * Erasure takes ids out: they are not found at once, the others still are, and the ring goes on
   * through growth, wrap-around and eviction past the removed places; a removed id can come back.
   */
  @Test
  void removedIdsAreGoneAndTheWindowGoesOnPastThem() {
    int capacity = 5000;
    RecentMessageIds ids = new RecentMessageIds(Duration.ofDays(1), capacity);
    long now = 1_000_000;
    for (int i = 0; i < 3000; i++) {
      ids.add("p", "id-" + i, now++);
    }
    for (int i = 0; i < 3000; i += 3) {
      ids.remove("p", "id-" + i);
    }
    ids.remove("p", "never-there");
    ids.remove("other", "id-1");
    for (int i = 0; i < 3000; i++) {
      assertThat(ids.contains("p", "id-" + i)).as("id-%d", i).isEqualTo(i % 3 != 0);
    }
    ids.add("p", "id-0", now++);
    assertThat(ids.contains("p", "id-0")).isTrue();
    // Past the capacity twice over: the oldest leave, removed places among them, none hangs.
    for (int i = 3000; i < 13_000; i++) {
      ids.add("p", "id-" + i, now++);
    }
    assertThat(ids.size("p")).isEqualTo(capacity);
    for (int i = 13_000 - capacity; i < 13_000; i++) {
      assertThat(ids.contains("p", "id-" + i)).isTrue();
    }
    assertThat(ids.contains("p", "id-1")).isFalse();
  }

  /**
   * The index keeps a few bits of each id beside its place, and reads the ring only when they
   * match: ids with the same home slot and the same tag bits, or the same home and other tags, are
   * still told apart by their whole 128 bits, through growth (the tag narrows as the ring grows),
   * removal and eviction.
   */
  @Test
  void idsSharingTheirHomeAndTagAreToldApartByTheirWholeHash() {
    IdWindow window = new IdWindow(1 << 16);
    long lo = 0x7000_0000_0000_0000L; // one home slot for all
    List<long[]> kept = new ArrayList<>();
    for (int i = 0; i < 3000; i++) { // the ring grows from 1,024 to 4,096: the tag narrows
      // Even i: the same top bits of the high half (one tag), odd i: top bits that vary.
      long hi = i % 2 == 0 ? 0x5555_0000_0000_0000L | i : (long) i << 40 | 1;
      long low = lo | (i % 7);
      assertThat(window.contains(low, hi)).isFalse();
      window.add(low, hi, i, 0);
      kept.add(new long[] {low, hi});
    }
    for (long[] id : kept) {
      assertThat(window.contains(id[0], id[1])).isTrue();
      assertThat(window.contains(id[0], id[1] ^ 2)).isFalse(); // the same tag, another id
    }
    for (int i = 0; i < kept.size(); i += 2) {
      window.remove(kept.get(i)[0], kept.get(i)[1]);
    }
    for (int i = 0; i < kept.size(); i++) {
      assertThat(window.contains(kept.get(i)[0], kept.get(i)[1])).isEqualTo(i % 2 == 1);
    }
    for (long i = 1; i <= 1 << 16; i++) { // the oldest leave by the capacity
      window.add(i << 45, 0x1111L << 48 | i, 50_000 + i, 0);
    }
    assertThat(window.size()).isEqualTo(1 << 16);
    assertThat(window.contains(kept.get(1)[0], kept.get(1)[1])).isFalse();
    assertThat(window.contains(1L << 16 << 45, 0x1111L << 48 | 1 << 16)).isTrue();
  }

  /**
   * The index keeps each entry's distance from its home slot (a few bits; farther than they hold,
   * the ring tells), and a deletion's backward shift moves entries by it: ids crowded into a few
   * home slots (clusters far longer than the bits hold, and short ones), through growth,
   * wrap-around, removal and eviction by the capacity, against a plain model; and the count of ids
   * it holds.
   */
  @Test
  void idsCrowdedIntoFewHomesAgreeWithAPlainModel() {
    int capacity = 4000;
    IdWindow window = new IdWindow(capacity);
    // The model: the ring's places oldest first (a removed id keeps its place until it leaves),
    // and the ids in it.
    ArrayDeque<long[]> places = new ArrayDeque<>();
    Map<List<Long>, long[]> live = new HashMap<>(); // id -> its place
    Random random = new Random(7);
    for (int step = 0; step < 60_000; step++) {
      // Eight home slots at most, or anywhere: long clusters and short ones, side by side.
      long lo = random.nextBoolean() ? (long) random.nextInt(8) << 61 : random.nextLong();
      List<Long> id = List.of(lo, (long) random.nextInt(50_000));
      if (random.nextInt(10) == 0 && !live.isEmpty()) {
        List<Long> gone = live.keySet().iterator().next();
        window.remove(gone.get(0), gone.get(1));
        live.remove(gone);
      }
      assertThat(window.contains(lo, id.get(1)))
          .as("step %d", step)
          .isEqualTo(live.containsKey(id));
      if (!live.containsKey(id)) {
        window.add(lo, id.get(1), step + 1, 0);
        if (places.size() == capacity) {
          long[] oldest = places.removeFirst();
          List<Long> oldestId = List.of(oldest[0], oldest[1]);
          if (live.get(oldestId) == oldest) { // not removed, nor added again since
            live.remove(oldestId);
          }
        }
        long[] place = {lo, id.get(1)};
        places.addLast(place);
        live.put(id, place);
      }
      // What /metrics shows: the ids held, a removed id's place aside (through growth too).
      assertThat(window.ids()).as("ids at step %d", step).isEqualTo(live.size());
    }
    assertThat(window.size()).isEqualTo(places.size());
    for (List<Long> id : live.keySet()) {
      assertThat(window.contains(id.get(0), id.get(1))).isTrue();
    }
  }

  private static long usedAfterGc(Runtime rt) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
