package dev.beacon.sdk.internal.pipeline;

import dev.beacon.sdk.internal.report.Event;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The bounded queue between the host's threads and the worker: many producers, one consumer at a
 * time, and no lock. A producer claims a slot with one compare-and-set and never waits: when the
 * queue is full it is told so at once. (An {@code ArrayBlockingQueue} shares one lock between
 * {@code offer} and the worker's {@code drainTo}; a host thread that met the lock held parked,
 * which made most of Beacon's p99.9 of 13 µs in BENCHMARKS.md's first run.)
 *
 * <p>Consumers ({@link #drainTo}, {@link #clear}) must not run concurrently with each other; the
 * pipeline calls them under its flush lock.
 */
final class EventQueue {
  private final int capacity;
  private final int mask;

  /** An {@link Event}, or the properties of a plain event whose name and time are beside. */
  private final AtomicReferenceArray<Object> slots;

  // Written by the producer that claimed the slot before it publishes the slot (a release store),
  // read by the consumer after it saw the slot filled: no Event object on the host's thread.
  private final String[] names;
  private final long[] times;
  private final AtomicLong producerIndex = new AtomicLong();
  private volatile long consumerIndex;

  EventQueue(int capacity) {
    if (capacity < 1 || capacity > 1 << 24) {
      throw new IllegalArgumentException("capacity must be 1..16777216: " + capacity);
    }
    this.capacity = capacity;
    int size =
        Integer.highestOneBit(capacity) == capacity
            ? capacity
            : Integer.highestOneBit(capacity) << 1;
    this.mask = size - 1;
    this.slots = new AtomicReferenceArray<>(size);
    this.names = new String[size];
    this.times = new long[size];
  }

  /** Adds {@code e} unless the queue is full; never blocks. */
  boolean offer(Event e) {
    long p = claim();
    if (p < 0) {
      return false;
    }
    slots.lazySet((int) p & mask, e); // published to the consumer by this release store
    return true;
  }

  /**
   * Adds a plain {@code track} event unless the queue is full; never blocks. The worker makes its
   * {@link Event}: a host's call allocates only the copy of its properties.
   *
   * @param keyValues from {@link Event#keyValues}, never null
   */
  boolean offer(String name, Object[] keyValues, long epochMillis) {
    long p = claim();
    if (p < 0) {
      return false;
    }
    int i = (int) p & mask;
    names[i] = name;
    times[i] = epochMillis;
    slots.lazySet(i, keyValues); // publishes the name and time written before it, too
    return true;
  }

  /** A slot of its own for this producer, or -1 if the queue is full. */
  private long claim() {
    long p;
    do {
      p = producerIndex.get();
      if (p - consumerIndex >= capacity) {
        return -1;
      }
    } while (!producerIndex.compareAndSet(p, p + 1));
    return p;
  }

  /**
   * Moves up to {@code max} events, oldest first, into {@code out}; the number moved. Stops early
   * at a slot a producer has claimed but not filled yet: that event comes with the next drain.
   */
  int drainTo(Collection<Event> out, int max) {
    long c = consumerIndex;
    int n = 0;
    while (n < max) {
      int i = (int) c & mask;
      Object o = slots.get(i);
      if (o == null) {
        break;
      }
      if (o instanceof Event) {
        out.add((Event) o);
      } else {
        out.add(Event.captured(names[i], (Object[]) o, times[i]));
        names[i] = null;
      }
      slots.lazySet(i, null);
      c++;
      n++;
    }
    consumerIndex = c; // frees the slots for the producers, after they were cleared
    return n;
  }

  /** Forgets every event that was filled in. */
  void clear() {
    List<Event> sink = new ArrayList<>();
    while (drainTo(sink, 1024) > 0) {
      sink.clear();
    }
  }

  /** Events claimed and not yet drained (an estimate while producers run). */
  int size() {
    long s = producerIndex.get() - consumerIndex;
    return (int) Math.max(0, Math.min(capacity, s));
  }

  /** Whether an offer now would be refused (an estimate while the consumer drains). */
  boolean isFull() {
    return producerIndex.get() - consumerIndex >= capacity;
  }

  boolean isEmpty() {
    return size() == 0;
  }
}
