package dev.beacon.sdk.internal.report;

import dev.beacon.protocol.UiEvents;
import dev.beacon.protocol.Wire;
import dev.beacon.sdk.internal.json.JsonWriter;
import java.util.Arrays;
import java.util.Map;

/**
 * A tracked event: the name, a shallow copy of the properties as a flat key/value array (no map
 * allocation, no serialization) and the wall-clock time. The copy is made on the caller's thread
 * ({@link #keyValues}); a plain {@code track} event's object is made by the worker ({@link
 * #captured}), the rest by the caller. Everything else (message id, JSON) is done by the worker. At
 * most {@link JsonWriter#MAX_ITEMS} properties are kept, as many as the writer would send, so a
 * huge map costs the caller no more than that.
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
    int i = 0;
    for (Map.Entry<String, ?> e : properties.entrySet()) {
      if (i == kv.length) {
        break; // the cap, or the map grew while we copied it
      }
      kv[i++] = e.getKey();
      kv[i++] = e.getValue();
    }
    if (i < kv.length) {
      kv = Arrays.copyOf(kv, i); // the map shrank while we copied it
    }
    return kv;
  }

  private static final Object[] EMPTY = new Object[0];
}
