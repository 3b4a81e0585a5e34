package dev.beacon.server.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.protocol.CommandFields;
import dev.beacon.protocol.Wire;
import dev.beacon.server.Refusal;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * werf's telemetry spans (name or scope {@value #SPAN}) as exactly the events the Beacon SDK sends
 * for a CLI; see {@link OtlpMapper} for what is kept and dropped.
 */
final class WerfSpans {
  static final String SPAN = "telemetry.werf.io";

  private static final String PROJECT_KEY = "beacon-project-id/v2:";
  private static final int MAX_REKEYED = 10_000;

  private final JsonReader json;

  /** Re-keyed project ids by product and werf's id: one per repository, not an HMAC per span. */
  private final Map<String, String> rekeyedIds = new ConcurrentHashMap<>();

  WerfSpans(JsonReader json) {
    this.json = json;
  }

  /**
   * @param e the envelope so far (type, message id, context)
   * @param a the span's attributes
   */
  Translated event(
      String product, ObjectNode e, ObjectNode context, Map<String, AnyValue> a, Span span) {
    String eventType = OtlpMapper.text(a.get("eventType"));
    if (eventType == null) {
      return Translated.refused(e, "werf span: eventType must be a non-empty string");
    }
    e.put(Wire.EVENT, eventType);
    String execution = OtlpMapper.text(a.get(CommandFields.EXECUTION_ID));
    if (execution == null) {
      return Translated.refused(e, "werf span: executionID must be a non-empty string");
    }
    e.put(Wire.ANONYMOUS_ID, execution);
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    Long ts = OtlpMapper.integer(a.get(CommandFields.TS));
    if (ts != null) {
      p.put(CommandFields.TS, ts);
      if (ts > 0 && ts < 253_402_300_800_000L) {
        e.put(Wire.TIMESTAMP, Instant.ofEpochMilli(ts).toString());
      }
    } else if (span.getStartTimeUnixNano() != 0) {
      e.put(Wire.TIMESTAMP, OtlpMapper.iso(span.getStartTimeUnixNano()));
    }
    p.put(CommandFields.EXECUTION_ID, execution);
    String project = OtlpMapper.text(a.get(CommandFields.PROJECT_ID));
    if (project != null) {
      p.put(
          CommandFields.PROJECT_ID,
          rekeyedIds.computeIfAbsent(product + '\u0000' + project, k -> rekeyed(product, project)));
      if (rekeyedIds.size() > MAX_REKEYED) {
        rekeyedIds.clear(); // a bound, not an eviction policy: repositories are few per product
      }
    }
    String command = OtlpMapper.text(a.get(CommandFields.COMMAND));
    if (command != null) {
      p.put(CommandFields.COMMAND, command);
    }
    Long schema = OtlpMapper.integer(a.get(Wire.SCHEMA_VERSION_FIELD));
    if (schema != null) {
      p.put(Wire.SCHEMA_VERSION_FIELD, schema);
    }
    e.set(Wire.PROPERTIES, p);
    JsonNode attributes;
    JsonNode data;
    try {
      attributes = embedded(a.get(CommandFields.ATTRIBUTES), CommandFields.ATTRIBUTES);
      data = embedded(a.get(CommandFields.EVENT_DATA), CommandFields.EVENT_DATA);
    } catch (InvalidEvent invalid) {
      return Translated.refused(e, "werf span: " + invalid.getMessage());
    }
    if (attributes instanceof ObjectNode attrs) {
      p.set(CommandFields.ATTRIBUTES, attrs);
      ObjectNode app = context.withObject(Wire.APP);
      OtlpMapper.putText(app, Wire.VERSION, attrs.get(Wire.VERSION));
      OtlpMapper.putText(context.withObject("os"), "name", attrs.get("os"));
      OtlpMapper.putText(context.withObject("device"), "arch", attrs.get("arch"));
    }
    if (data instanceof ObjectNode d) {
      JsonNode options = d.remove("commandOptions");
      if (options != null && !d.has(CommandFields.OPTIONS)) {
        d.set(CommandFields.OPTIONS, options);
      }
      d.remove("errorMessage");
      p.set(CommandFields.EVENT_DATA, d);
    }
    ObjectNode library = context.withObject(Wire.LIBRARY);
    library.put(Wire.NAME, "werf");
    return Translated.of(e);
  }

  /** werf's attributes and eventData: JSON objects sent as strings. */
  private JsonNode embedded(AnyValue v, String name) throws InvalidEvent {
    if (v == null) {
      return null;
    }
    if (!v.hasStringValue()) {
      throw new InvalidEvent(name + " must be a JSON object in a string");
    }
    JsonNode parsed;
    try {
      parsed = json.read(v.getStringValue().getBytes(StandardCharsets.UTF_8));
    } catch (Refusal r) {
      throw new InvalidEvent(name + " is not valid JSON: " + r.getMessage());
    }
    if (!parsed.isObject()) {
      throw new InvalidEvent(name + " must be a JSON object, not " + EventMapper.kind(parsed));
    }
    return parsed;
  }

  /** werf's plain SHA-256 of the origin, keyed as the SDK keys its own project ids. */
  static String rekeyed(String product, String projectId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(
          new SecretKeySpec(
              (PROJECT_KEY + "werf:" + product).getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(projectId.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no HmacSHA256", e);
    }
  }
}
