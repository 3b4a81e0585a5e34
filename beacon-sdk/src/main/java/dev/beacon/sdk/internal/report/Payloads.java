package dev.beacon.sdk.internal.report;

import dev.beacon.protocol.Limits;
import dev.beacon.protocol.Wire;
import dev.beacon.sdk.internal.config.BeaconVersion;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.json.JsonWriter;
import dev.beacon.sdk.internal.thread.FatalErrors;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Writes messages in the wire format (the Segment envelope, {@link Wire}) and packs them into
 * batches that respect {@link Limits}: a report over {@link Limits#MAX_EVENT_BYTES} loses its
 * largest product sections (named under {@code failed_sections}), a tracked event over it is not
 * sent (the pipeline counts it as dropped), and a batch never exceeds {@link
 * Limits#MAX_REQUEST_BYTES}. Sizes are counted in chars, as the server counts them.
 */
final class Payloads {
  /** Room left in a batch for the envelope around the messages. */
  private static final int BATCH_OVERHEAD = 512;

  private static final UnaryOperator<String> NONE = UnaryOperator.identity();

  private final Settings settings;
  private final Redactor redactor;

  Payloads(Settings settings, Redactor redactor) {
    this.settings = settings;
    this.redactor = redactor;
  }

  /**
   * A report; a product section that would make it exceed {@link Limits#MAX_EVENT_BYTES} is dropped
   * (largest first) and named under {@code failed_sections}.
   *
   * @return the message, or null if even without its product sections it is too large
   */
  String report(UUID installationId, Map<String, Object> properties, long epochMillis) {
    Map<String, Object> props = new LinkedHashMap<>(properties);
    while (true) {
      String json =
          message(
              Wire.TYPE_REPORT,
              Wire.REPORT_EVENT,
              null,
              installationId.toString(),
              props,
              epochMillis,
              NONE);
      if (json != null || !dropLargestSection(props)) {
        return json;
      }
    }
  }

  /**
   * A tracked event.
   *
   * @return the message, or null when its properties cannot be sent: over {@link
   *     Limits#MAX_EVENT_BYTES} (writing stops at the budget, so a huge or endlessly shared value
   *     costs at most that much work), or a value that failed while being read (a map the host
   *     mutates, a {@code toString} that throws). The caller counts it as dropped.
   */
  String track(UUID installationId, Event e) {
    Map<String, Object> props = new LinkedHashMap<>();
    for (int i = 0; i + 1 < e.keyValues.length; i += 2) {
      props.put(String.valueOf(e.keyValues[i]), e.keyValues[i + 1]);
    }
    String who = e.anonymousId != null ? e.anonymousId : installationId.toString();
    try {
      return message(e.type, e.name, e.library, who, props, e.epochMillis, redactor);
    } catch (Throwable broken) {
      FatalErrors.rethrowIfFatal(broken); // a product's toString may throw anything else
      return null;
    }
  }

  /** Packs messages into batches of at most {@link Limits#MAX_REQUEST_BYTES}. */
  List<Batch> batches(List<String> messages, long droppedEvents, long epochMillis) {
    List<Batch> out = new ArrayList<>();
    List<String> current = new ArrayList<>();
    long size = BATCH_OVERHEAD;
    for (String m : messages) {
      // Every char may take up to three bytes in UTF-8; counting chars*3 keeps the bound safe.
      long bytes = (long) m.length() * 3 + 1;
      if (!current.isEmpty() && size + bytes > Limits.MAX_REQUEST_BYTES) {
        out.add(batch(current, out.isEmpty() ? droppedEvents : 0, epochMillis));
        current = new ArrayList<>();
        size = BATCH_OVERHEAD;
      }
      current.add(m);
      size += bytes;
    }
    if (!current.isEmpty()) {
      out.add(batch(current, out.isEmpty() ? droppedEvents : 0, epochMillis));
    }
    return out;
  }

  private Batch batch(List<String> messages, long droppedEvents, long epochMillis) {
    int length = 512; // the batch's own fields
    for (String m : messages) {
      length += m.length() + 1;
    }
    // Sized once: grown from a guess, a batch of 500 events was copied a few times over (issue 20).
    StringBuilder sb = new StringBuilder(length);
    sb.append("{\"").append(Wire.BATCH).append("\":[");
    for (int i = 0; i < messages.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(messages.get(i));
    }
    sb.append("],\"").append(Wire.SENT_AT).append("\":");
    JsonWriter w = new JsonWriter(sb);
    w.value(Instant.ofEpochMilli(epochMillis).toString());
    Map<String, Object> context = new LinkedHashMap<>();
    context.put(Wire.LIBRARY, library());
    context.put(Wire.DROPPED_EVENTS, droppedEvents);
    sb.append(",\"").append(Wire.CONTEXT).append("\":");
    w.value(context);
    sb.append('}');
    return new Batch(sb.toString(), messages.size(), droppedEvents);
  }

  /**
   * @param strings the redactor for the properties; a report's are redacted already, by the
   *     collector's copy of each product section and of the static facts
   * @return the message, or null when it would exceed {@link Limits#MAX_EVENT_BYTES}
   */
  private String message(
      String type,
      String event,
      String library,
      String anonymousId,
      Map<String, Object> props,
      long epochMillis,
      UnaryOperator<String> strings) {
    // Only what the product supplied passes the redactor: ids and timestamps are ours. The
    // properties are written first, within the message's budget, so that a value too large to
    // send costs no more work than the budget.
    StringBuilder properties = new StringBuilder(256);
    try {
      new JsonWriter(properties, strings, Limits.MAX_EVENT_BYTES).value(props);
    } catch (JsonWriter.TooLarge tooLarge) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(Wire.TYPE, type);
    // A page is named (Segment's page call), by its route template; the rest are events.
    m.put(Wire.TYPE_PAGE.equals(type) ? Wire.NAME : Wire.EVENT, event);
    m.put(Wire.MESSAGE_ID, RandomIds.v4().toString());
    m.put(Wire.ANONYMOUS_ID, anonymousId);
    m.put(Wire.TIMESTAMP, Instant.ofEpochMilli(epochMillis).toString());
    m.put(Wire.SCHEMA_VERSION_FIELD, Wire.SCHEMA_VERSION);
    Map<String, Object> context = new LinkedHashMap<>();
    context.put(Wire.LIBRARY, library == null ? library() : library(library));
    Map<String, Object> app = new LinkedHashMap<>();
    app.put(Wire.NAME, settings.product);
    // The product's version is a string the product chose, as static as the JVM's: redacted.
    app.put(Wire.VERSION, redactor.apply(settings.version));
    context.put(Wire.APP, app);
    Object cluster =
        props.containsKey("cluster_uuid") ? props.get("cluster_uuid") : props.get("clusterId");
    if (cluster != null) {
      context.put(Wire.CLUSTER_ID, strings.apply(String.valueOf(cluster)));
    }
    m.put(Wire.CONTEXT, context);
    m.put(Wire.PROPERTIES, new JsonWriter.RawJson(properties.toString()));
    StringBuilder json = new StringBuilder(properties.length() + 512);
    try {
      new JsonWriter(json, NONE, Limits.MAX_EVENT_BYTES).value(m);
    } catch (JsonWriter.TooLarge tooLarge) {
      return null;
    }
    // The server counts a message in UTF-8 bytes (audit L7): so does the SDK, or a message of
    // non-ASCII text under the limit in chars would be refused there.
    return overMessageLimit(json) ? null : json.toString();
  }

  /** Whether the text takes more than {@link Limits#MAX_EVENT_BYTES} in UTF-8, not encoding it. */
  static boolean overMessageLimit(CharSequence s) {
    int n = s.length();
    if ((long) n * 3 <= Limits.MAX_EVENT_BYTES) {
      return false; // three bytes a char at most
    }
    int bytes = 0;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes > Limits.MAX_EVENT_BYTES;
  }

  private static Map<String, Object> library() {
    return library("beacon-sdk");
  }

  private static Map<String, Object> library(String name) {
    Map<String, Object> lib = new LinkedHashMap<>();
    lib.put(Wire.NAME, name);
    lib.put(Wire.VERSION, BeaconVersion.VERSION);
    return lib;
  }

  /**
   * Removes the largest product-supplied part (a section, the plugins or the configuration keys),
   * noting it under failed_sections; false if none is left.
   */
  private boolean dropLargestSection(Map<String, Object> props) {
    String largest = null;
    int largestSize = -1;
    List<String> candidates = new ArrayList<>(settings.sections.keySet());
    candidates.add("active_plugins");
    candidates.add("config_keys");
    for (String name : candidates) {
      if (props.containsKey(name)) {
        int size;
        try {
          size = JsonWriter.toJson(props.get(name)).length();
        } catch (JsonWriter.TooLarge tooLarge) {
          size = Limits.MAX_EVENT_BYTES + 1;
        }
        if (size > largestSize) {
          largest = name;
          largestSize = size;
        }
      }
    }
    if (largest == null) {
      return false;
    }
    props.remove(largest);
    Map<String, Object> failed = new LinkedHashMap<>();
    if (props.get("failed_sections") instanceof Map) {
      for (Map.Entry<?, ?> f : ((Map<?, ?>) props.get("failed_sections")).entrySet()) {
        failed.put(String.valueOf(f.getKey()), f.getValue());
      }
    }
    failed.put(
        largest,
        largestSize > Limits.MAX_EVENT_BYTES
            ? "too large: over " + Limits.MAX_EVENT_BYTES + " bytes"
            : "too large: " + largestSize + " bytes");
    props.put("failed_sections", failed);
    return true;
  }
}
