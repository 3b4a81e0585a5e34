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
  private final AtomicLong queueFull = new AtomicLong();

  /** An event the full queue refused: a drop, and the worker's sign of an overload. */
  void queueFull() {
    queueFull.incrementAndGet();
    add(1);
  }

  /** Events the full queue refused so far. */
  long queueFulls() {
    return queueFull.get();
  }

  /** Events the SDK dropped (a full queue or spool, a value it could not write). */
  void add(long events) {
    sincePayload.addAndGet(events);
    total.addAndGet(events);
  }

  /**
   * The spool evicted payloads: their messages are new drops; the counts they carried were counted
   * when those events were dropped, and only travel again ({@code toReport}, in the next payload).
   */
  void evicted(long messages, long toReport) {
    sincePayload.addAndGet(toReport);
    total.addAndGet(messages);
  }

  /** Evicted messages whose report rides the payload being written: counted in all only. */
  void evictedReported(long messages) {
    total.addAndGet(messages);
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
