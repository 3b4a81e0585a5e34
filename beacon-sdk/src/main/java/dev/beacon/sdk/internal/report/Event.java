package dev.beacon.sdk.internal.report;

import dev.beacon.protocol.UiEvents;
import dev.beacon.protocol.Wire;
import dev.beacon.sdk.internal.json.JsonWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A tracked event: the name, a shallow copy of the properties as a flat key/value array (no map
 * allocation, no serialization) and the wall-clock time. The copy is made on the caller's thread
 * ({@link #keyValues}; for a plain {@code track}, into the queue slot's own array by the slot's
 * {@link Copier}); a plain {@code track} event's object is made by the worker ({@link #captured},
 * from its own copy of the slot's), the rest by the caller. Everything else (message id, JSON) is
 * done by the worker. At most {@link JsonWriter#MAX_ITEMS} properties are kept, as many as the
 * writer would send, so a huge map costs the caller no more than that.
 */
public final class Event {
  final String name;
  final Object[] keyValues;
  final long epochMillis;

  /** Who the event is about when not this installation (a cluster agent's cluster id), or null. */
  final String anonymousId;

  /** {@code track}, or {@code page} (a product web UI's page view, named by its route template). */
  final String type;

  /**
   * The library that captured it, when not this SDK ({@code beacon-js} for a web UI's), or null.
   */
  final String library;

  private Event(String name, Object[] keyValues, long epochMillis, String anonymousId) {
    this(name, keyValues, epochMillis, anonymousId, Wire.TYPE_TRACK, null);
  }

  private Event(
      String name,
      Object[] keyValues,
      long epochMillis,
      String anonymousId,
      String type,
      String library) {
    this.name = name;
    this.keyValues = keyValues;
    this.epochMillis = epochMillis;
    this.anonymousId = anonymousId;
    this.type = type;
    this.library = library;
  }

  /**
   * An event of the product's web UI, checked already by the relay: a page view ({@code page},
   * named by its route template) or a custom event ({@code track}).
   */
  public static Event ui(String type, String name, Map<String, ?> properties, long epochMillis) {
    Event e = capture(name, properties, epochMillis);
    return new Event(e.name, e.keyValues, epochMillis, null, type, UiEvents.LIBRARY);
  }

  public static Event capture(String name, Map<String, ?> properties, long epochMillis) {
    return capture(name, properties, epochMillis, null);
  }

  public static Event capture(
      String name, Map<String, ?> properties, long epochMillis, String anonymousId) {
    return new Event(name, keyValues(properties), epochMillis, anonymousId);
  }

  /**
   * A plain {@code track} event whose properties were copied by {@link #keyValues} on the caller's
   * thread; made by the worker (see the pipeline's queue), so that a call allocates only the copy.
   */
  public static Event captured(String name, Object[] keyValues, long epochMillis) {
    return new Event(name, keyValues, epochMillis, null);
  }

  /** The shallow copy of a product's properties, keys and values alternating; never null. */
  public static Object[] keyValues(Map<String, ?> properties) {
    if (properties == null || properties.isEmpty()) {
      return EMPTY;
    }
    Object[] kv = new Object[Math.min(properties.size(), JsonWriter.MAX_ITEMS) * 2];
    int i = iterate(properties, kv);
    if (i < kv.length) {
      kv = Arrays.copyOf(kv, i); // the map shrank while we copied it
    }
    return kv;
  }

  /**
   * Copies into {@code kv} through the map's iterator, as many as it holds; the elements written.
   */
  private static int iterate(Map<String, ?> properties, Object[] kv) {
    int i = 0;
    for (Map.Entry<String, ?> e : properties.entrySet()) {
      if (i + 1 >= kv.length) {
        break; // the cap, or the map grew while we copied it
      }
      kv[i++] = e.getKey();
      kv[i++] = e.getValue();
    }
    return i;
  }

  private static final Object[] EMPTY = new Object[0];

  /**
   * Copies a product's properties into an array it is given, keys and values alternating, and
   * allocates nothing: it walks the map with {@code forEach} (no iterator, no entry objects, which
   * the JIT does not always remove: 32 bytes a call of a host's ten properties), being itself the
   * action. The pipeline's queue keeps one for each of its slots, with the slot's array, so a
   * host's {@code track} allocates nothing once its slot has carried an event as large. Not
   * thread-safe: one user at a time (the producer that claimed the slot).
   */
  public static final class Copier implements BiConsumer<String, Object> {
    private Object[] into = EMPTY;
    private int n;

    /**
     * Copies as many properties as {@code into} holds (its length / 2); the elements written. A map
     * larger than that is walked only as far (its iterator), not through all of it.
     */
    public int copy(Map<String, ?> properties, Object[] into) {
      if (properties.size() > into.length / 2) {
        return iterate(properties, into);
      }
      this.into = into;
      this.n = 0;
      try {
        properties.forEach(this);
        return n;
      } finally {
        this.into = EMPTY; // keeps no array of the caller's
      }
    }

    @Override
    public void accept(String key, Object value) {
      if (n + 1 < into.length) { // the map grew while we copied it: the rest is left out
        into[n++] = key;
        into[n++] = value;
      }
    }
  }
}
