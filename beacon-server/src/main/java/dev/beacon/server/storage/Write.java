package dev.beacon.server.storage;

import java.time.Instant;
import java.util.List;

/**
 * What one transaction writes: new events, refused events kept in quarantine, and quarantined
 * events released after a replay. A store commits all of it or none of it, so an answer given after
 * {@link EventStore#write} returned holds for the events and the quarantine alike.
 */
public record Write(List<StoredEvent> events, List<Kept> kept, List<Released> released) {
  /** Refused events of one product, received at one time, to keep in quarantine. */
  public record Kept(String product, Instant receivedAt, List<Rejection> rejections) {
    public Kept {
      rejections = List.copyOf(rejections);
    }
  }

  /** A quarantined event to remove: it was stored after a replay. */
  public record Released(String product, long id) {}

  public Write {
    events = List.copyOf(events);
    kept = List.copyOf(kept);
    released = List.copyOf(released);
  }

  public static Write events(List<StoredEvent> events) {
    return new Write(events, List.of(), List.of());
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
