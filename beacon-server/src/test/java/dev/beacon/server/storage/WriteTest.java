package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteTest {
  private static List<StoredEvent> events(String... ids) {
    List<StoredEvent> out = new ArrayList<>();
    Instant now = Instant.now();
    for (String id : ids) {
      out.add(
          new StoredEvent(
              "p", id, "track", "e", "i", null, now, now, null, null, null, null, null, "{}",
              "{}"));
    }
    return out;
  }

  private static Write prepared(String... ids) {
    List<StoredEvent> e = events(ids);
    long[] hashes = new long[2 * ids.length];
    for (int i = 0; i < ids.length; i++) {
      hashes[2 * i] = ids[i].hashCode();
      hashes[2 * i + 1] = -ids[i].hashCode();
    }
    return Write.events(e).with(new Write.Prepared(hashes, new RollupDelta(), ids.length));
  }

  /** A group keeps its requests' preparations in order, each request's events marked out. */
  @Test
  void aGroupOfPreparedRequestsKeepsEachOnesPartInOrder() {
    Write a = prepared("a1", "a2");
    Write b = Write.events(List.of()); // no events: no part, and no need of a preparation
    Write c = prepared("c1", "c2", "c3");
    Write g = Write.group(List.of(a, b, c));
    assertThat(g.events())
        .extracting(StoredEvent::messageId)
        .containsExactly("a1", "a2", "c1", "c2", "c3");
    assertThat(g.prepared().ends).containsExactly(2, 5);
    assertThat(g.prepared().deltas).containsExactly(a.prepared().deltas[0], c.prepared().deltas[0]);
    long[] want = new long[10];
    System.arraycopy(a.prepared().hashes, 0, want, 0, 4);
    System.arraycopy(c.prepared().hashes, 0, want, 4, 6);
    assertThat(g.prepared().hashes).containsExactly(want);
  }

  /**
   * One request the store did not prepare: the group has no preparation (the writer does it all).
   */
  @Test
  void aGroupWithAnUnpreparedRequestHasNoPreparation() {
    assertThat(Write.group(List.of(prepared("a"), Write.events(events("b")))).prepared()).isNull();
  }

  /** Requests with only refused events (nothing to prepare): a group of them has no preparation. */
  @Test
  void aGroupOfRequestsWithoutEventsHasNoPreparation() {
    Write.Kept kept = new Write.Kept("p", Instant.now(), List.of(new Rejection("bad", "{}")));
    Write k = new Write(List.of(), List.of(kept), List.of());
    Write g = Write.group(List.of(k, k));
    assertThat(g.prepared()).isNull();
    assertThat(g.kept()).hasSize(2);
  }

  /** A preparation cannot be carried over to other events. */
  @Test
  void aPreparationOfOtherEventsIsRefused() {
    Write.Prepared p = prepared("a", "b").prepared();
    assertThatThrownBy(() -> new Write(events("a"), List.of(), List.of(), p))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Write(List.of(), List.of(), List.of(), p))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
