package dev.beacon.sdk.internal.pipeline;

import dev.beacon.sdk.internal.json.JsonWriter;
import dev.beacon.sdk.internal.report.Event;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
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

  /**
   * An {@link Event}; or the slot's array holding the properties of a plain event, whose name, time
   * and length are beside; or {@link #ABANDONED}.
   */
  private final AtomicReferenceArray<Object> slots;

  // Written by the producer that claimed the slot before it publishes the slot (a release store),
  // read by the consumer after it saw the slot filled: no Event object on the host's thread.
  private final String[] names;
  private final long[] times;
  private final int[] lengths;

  // Each slot's array for a plain event's properties and the copier that fills it, kept from one
  // event to the next: the producer that claimed the slot fills them, the consumer copies the
  // properties out and empties the array before it frees the slot (consumerIndex), so a host's
  // call allocates nothing once its slot has carried an event as large (issue 20). Made by the
  // slot's first producer, seen by the next ones through the consumer as the slot itself is.
  private final Object[][] copies;
  private final Event.Copier[] copiers;

  /** Past this many properties a slot's array is made for the one event, not kept. */
  static final int KEPT_MAX_PROPERTIES = 32;

  /** A slot whose producer failed to copy the properties (the host's map threw): skipped. */
  private static final Object ABANDONED = new Object();

  private static final Object[] NONE = new Object[0];
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
    this.lengths = new int[size];
    this.copies = new Object[size][];
    this.copiers = new Event.Copier[size];
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
   * Adds a plain {@code track} event unless the queue is full; never blocks. Its properties (at
   * most {@link JsonWriter#MAX_ITEMS}) are copied into the slot's own array, and the worker makes
   * the {@link Event}: once the slot has carried an event as large, a host's call allocates
   * nothing. If the host's map throws while it is copied (changed under the copy), the slot is
   * given up (the consumer skips it) and the exception goes to the caller.
   */
  boolean offer(String name, Map<String, ?> properties, long epochMillis) {
    long p = claim();
    if (p < 0) {
      return false;
    }
    int i = (int) p & mask;
    Object[] copy = NONE;
    int n = 0;
    try {
      int size = properties == null ? 0 : Math.min(properties.size(), JsonWriter.MAX_ITEMS);
      if (size > 0) {
        copy = copies[i];
        if (copy == null || copy.length < 2 * size) {
          copy = new Object[2 * size];
          if (size <= KEPT_MAX_PROPERTIES) {
            copies[i] = copy;
          }
        }
        Event.Copier copier = copiers[i];
        if (copier == null) {
          copier = new Event.Copier();
          copiers[i] = copier;
        }
        n = copier.copy(properties, copy);
      }
    } catch (RuntimeException | Error e) {
      Arrays.fill(copy, null); // none of the host's objects kept
      slots.lazySet(i, ABANDONED); // the claimed slot is not waited for
      throw e;
    }
    names[i] = name;
    times[i] = epochMillis;
    lengths[i] = n;
    slots.lazySet(i, copy); // publishes the name, time, length and copy written before it, too
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
   * at a slot a producer has claimed but not filled yet: that event comes with the next drain. A
   * slot given up by its producer is passed over.
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
        n++;
      } else if (o != ABANDONED) {
        // The worker's own copy: the slot's array carries the slot's next event.
        Object[] copy = (Object[]) o;
        int length = lengths[i];
        out.add(
            Event.captured(names[i], length == 0 ? NONE : Arrays.copyOf(copy, length), times[i]));
        Arrays.fill(copy, 0, length, null); // none of the host's objects kept past the event
        names[i] = null;
        n++;
      }
      slots.lazySet(i, null);
      c++;
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
