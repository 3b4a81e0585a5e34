package dev.beacon.server.storage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one transaction writes: new events, refused events kept in quarantine, and quarantined
 * events released after a replay. A store commits all of it or none of it, so an answer given after
 * {@link EventStore#write} returned holds for the events and the quarantine alike. {@code prepared}
 * is what the store worked out for it beforehand ({@link EventStore#prepare}), or null.
 */
public record Write(
    List<StoredEvent> events, List<Kept> kept, List<Released> released, Prepared prepared) {
  /** Refused events of one product, received at one time, to keep in quarantine. */
  public record Kept(String product, Instant receivedAt, List<Rejection> rejections) {
    public Kept {
      rejections = List.copyOf(rejections);
    }
  }

  /** A quarantined event to remove: it was stored after a replay. */
  public record Released(String product, long id) {}

  /**
   * The work of a write that needs none of the store's state, done by {@link EventStore#prepare} on
   * the request's own thread while the writer commits other groups: the keyed hashes of the events'
   * message ids (two longs an event) and, per request, the rollup delta of its events, which the
   * store takes whole when every event of that request is new (else it adds the new ones itself).
   * Opaque outside the storage package.
   */
  public static final class Prepared {
    final long[] hashes;

    /** Where each request's events end (exclusive), in the write's events. */
    final int[] ends;

    /** Each request's rollup delta (null entries where the store keeps no rollups). */
    final RollupDelta[] deltas;

    Prepared(long[] hashes, RollupDelta delta, int events) {
      this(hashes, new int[] {events}, new RollupDelta[] {delta});
    }

    private Prepared(long[] hashes, int[] ends, RollupDelta[] deltas) {
      this.hashes = hashes;
      this.ends = ends;
      this.deltas = deltas;
    }

    /**
     * The writes' preparations one after the other; null unless every write with events has one,
     * and when none has events.
     */
    static Prepared concat(List<Write> writes) {
      int parts = 0;
      int events = 0;
      for (Write w : writes) {
        if (w.events().isEmpty()) {
          continue;
        }
        if (w.prepared() == null) {
          return null;
        }
        parts += w.prepared().ends.length;
        events += w.events().size();
      }
      if (events == 0) {
        return null;
      }
      long[] hashes = new long[2 * events];
      int[] ends = new int[parts];
      RollupDelta[] deltas = new RollupDelta[parts];
      int event = 0;
      int part = 0;
      for (Write w : writes) {
        Prepared p = w.prepared();
        if (w.events().isEmpty()) {
          continue;
        }
        System.arraycopy(p.hashes, 0, hashes, 2 * event, p.hashes.length);
        for (int k = 0; k < p.ends.length; k++) {
          ends[part] = event + p.ends[k];
          deltas[part++] = p.deltas[k];
        }
        event += w.events().size();
      }
      return new Prepared(hashes, ends, deltas);
    }
  }

  public Write {
    events = List.copyOf(events);
    kept = List.copyOf(kept);
    released = List.copyOf(released);
    if (prepared != null
        && (prepared.hashes.length != 2 * events.size()
            || prepared.ends.length == 0
            || prepared.ends[prepared.ends.length - 1] != events.size())) {
      throw new IllegalArgumentException("a preparation of other events than this write's");
    }
  }

  public Write(List<StoredEvent> events, List<Kept> kept, List<Released> released) {
    this(events, kept, released, null);
  }

  public static Write events(List<StoredEvent> events) {
    return new Write(events, List.of(), List.of());
  }

  /**
   * Several writes as one (a group commit): their events, refusals and releases in order, and their
   * preparations when each has one.
   */
  public static Write group(List<Write> writes) {
    if (writes.size() == 1) {
      return writes.get(0);
    }
    List<StoredEvent> events = new ArrayList<>();
    List<Kept> kept = new ArrayList<>();
    List<Released> released = new ArrayList<>();
    for (Write w : writes) {
      events.addAll(w.events());
      kept.addAll(w.kept());
      released.addAll(w.released());
    }
    return new Write(events, kept, released, Prepared.concat(writes));
  }

  /** This write with what a store prepared for it. */
  Write with(Prepared p) {
    return new Write(events, kept, released, p);
  }

  public boolean isEmpty() {
    return events.isEmpty() && kept.isEmpty() && released.isEmpty();
  }

  /** Events and refused events it holds: what a writer's queue counts. */
  public int items() {
    int n = events.size();
    for (Kept k : kept) {
      n += k.rejections().size();
    }
    return n;
  }
}
