package dev.beacon.sdk.internal.pipeline;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Events dropped: those since the last payload, whose count travels with the next one ({@code
 * context.droppedEvents}), and all of them, as the MBean shows. Thread-safe and lock-free: the
 * host's threads count here.
 */
final class Drops {
  private final AtomicLong sincePayload = new AtomicLong();
  private final AtomicLong total = new AtomicLong();

  /** Events the SDK dropped (a full queue or spool, a value it could not write). */
  void add(long events) {
    sincePayload.addAndGet(events);
    total.addAndGet(events);
  }

  /** Messages the server refused for good: counted in all, the server knows of them already. */
  void refusedByServer(long messages) {
    total.addAndGet(messages);
  }

  /** The count for the next payload, from zero again. */
  long takeSincePayload() {
    return sincePayload.getAndSet(0);
  }

  long total() {
    return total.get();
  }
}
