package dev.beacon.server.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.server.storage.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Set;

/**
 * Maps each accepted wire format onto the one event model: the Segment envelope (Beacon SDK,
 * Segment clients, DC/OS Signal) and EMQX reports. Personal data a Segment client may add is not
 * kept: {@code userId}, {@code traits} and {@code context.ip} are dropped, and an event without an
 * {@code anonymousId} is refused.
 */
final class EventMapper {
  static final Set<String> TYPES =
      Set.of("track", "identify", "group", "page", "screen", "alias", "report");
  private static final int MAX_ID = 128;
  private static final int MAX_NAME = 256;
  private static final Duration FUTURE_SKEW = Duration.ofDays(1);

  /** Nothing Beacon stores happened before this; older is a broken clock or a hostile client. */
  static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");

  private final ObjectMapper mapper;
  private final int maxEventBytes;

  EventMapper(ObjectMapper mapper, int maxEventBytes) {
    this.mapper = mapper;
    this.maxEventBytes = maxEventBytes;
  }

  StoredEvent segment(String product, JsonNode e, String defaultType, Instant receivedAt)
      throws InvalidEvent {
    if (!e.isObject()) {
      throw new InvalidEvent("an event must be a JSON object, not " + kind(e));
    }
    String type = text(e, "type", MAX_NAME, defaultType == null);
    if (type == null) {
      type = defaultType;
    }
    if (!TYPES.contains(type)) {
      throw new InvalidEvent("type '" + type + "' is not one of " + new java.util.TreeSet<>(TYPES));
    }
    String anonymousId = text(e, "anonymousId", MAX_ID, true);
    String event = text(e, "event", MAX_NAME, type.equals("track"));
    if (type.equals("report") && event == null) {
      event = "report";
    }
    String messageId = text(e, "messageId", MAX_ID, false);
    JsonNode properties = objectOrEmpty(e, "properties");
    ObjectNode context = (ObjectNode) objectOrEmpty(e, "context").deepCopy();
    context.remove("ip");
    context.remove("traits");
    if (messageId == null) {
      // A retry of the same event must map to the same id, so derive it from the content.
      messageId = digestId(product + "\u0000" + e);
    }
    Instant timestamp = timestamp(e, receivedAt);

    String props = json(properties);
    String ctx = json(context);
    int size = props.length() + ctx.length() + 256;
    if (size > maxEventBytes) {
      throw new InvalidEvent(
          "the event is about " + size + " bytes; the limit is " + maxEventBytes);
    }
    return new StoredEvent(
        product,
        messageId,
        type,
        event,
        anonymousId,
        firstText(
            context.path("clusterId"),
            properties.path("clusterId"),
            properties.path("cluster_uuid"),
            e.path("groupId")),
        timestamp,
        receivedAt,
        firstText(
            context.path("app").path("version"),
            type.equals("report") ? properties.path("version") : null,
            properties.path("environmentVersion")),
        firstText(properties.path("os_name"), context.path("os").path("name")),
        firstText(properties.path("arch"), context.path("device").path("arch")),
        runtime(properties),
        firstText(context.path("library").path("name")),
        props,
        ctx);
  }

  StoredEvent emqx(String product, JsonNode report, byte[] body, Instant receivedAt)
      throws InvalidEvent {
    if (!report.isObject()) {
      throw new InvalidEvent("an EMQX report must be a JSON object, not " + kind(report));
    }
    String uuid = text(report, "uuid", MAX_ID, true);
    String version = text(report, "emqx_version", MAX_NAME, false);
    // The body was parsed under the limits just now: it is valid JSON, kept as it came.
    String props = new String(body, StandardCharsets.UTF_8);
    if (body.length > maxEventBytes) {
      throw new InvalidEvent(
          "the report is " + props.length() + " bytes; the limit is " + maxEventBytes);
    }
    String otp = firstText(report.path("otp_version"));
    return new StoredEvent(
        product,
        digestId(product + "\u0000" + uuid + "\u0000" + HexFormat.of().formatHex(sha256(body))),
        "report",
        "report",
        uuid,
        firstText(report.path("cluster_uuid")),
        receivedAt,
        receivedAt,
        version,
        firstText(report.path("os_name")),
        firstText(report.path("build_info").path("arch")),
        otp == null ? null : "otp " + otp,
        "emqx",
        props,
        "{\"compat\":\"emqx\"}");
  }

  private static String runtime(JsonNode properties) {
    String jvm = firstText(properties.path("jvm_version"));
    return jvm == null ? null : "jvm " + jvm;
  }

  private static Instant timestamp(JsonNode e, Instant receivedAt) throws InvalidEvent {
    JsonNode t = e.get("timestamp");
    if (t == null || t.isNull()) {
      return receivedAt;
    }
    if (!t.isTextual()) {
      throw new InvalidEvent("timestamp must be an ISO-8601 string, not " + kind(t));
    }
    Instant at;
    try {
      at = OffsetDateTime.parse(t.asText()).toInstant();
    } catch (DateTimeParseException notOffset) {
      try {
        at = Instant.parse(t.asText());
      } catch (DateTimeParseException notInstant) {
        throw new InvalidEvent("timestamp is not ISO-8601: '" + clip(t.asText()) + "'");
      }
    }
    if (at.isBefore(EARLIEST)) {
      throw new InvalidEvent("timestamp " + clip(t.asText()) + " is before " + EARLIEST);
    }
    // A client clock far in the future would put the event where no query looks.
    return at.isAfter(receivedAt.plus(FUTURE_SKEW)) ? receivedAt : at;
  }

  private static String text(JsonNode e, String field, int max, boolean required)
      throws InvalidEvent {
    JsonNode v = e.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new InvalidEvent(field + " is required");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidEvent(field + " must be a string, not " + kind(v));
    }
    String s = v.asText();
    if (s.isBlank()) {
      throw new InvalidEvent(field + " must not be blank");
    }
    if (s.length() > max) {
      throw new InvalidEvent(field + " is longer than " + max + " characters");
    }
    return s;
  }

  private static JsonNode objectOrEmpty(JsonNode e, String field) throws InvalidEvent {
    JsonNode v = e.get(field);
    if (v == null || v.isNull()) {
      return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }
    if (!v.isObject()) {
      throw new InvalidEvent(field + " must be an object, not " + kind(v));
    }
    return v;
  }

  private static String firstText(JsonNode... candidates) {
    for (JsonNode n : candidates) {
      if (n != null && (n.isTextual() || n.isNumber()) && !n.asText().isBlank()) {
        String s = n.asText();
        return s.length() > MAX_NAME ? s.substring(0, MAX_NAME) : s;
      }
    }
    return null;
  }

  private String json(JsonNode n) throws InvalidEvent {
    try {
      return mapper.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new InvalidEvent("cannot be stored as JSON: " + e.getOriginalMessage());
    }
  }

  static String kind(JsonNode n) {
    return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String clip(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  /** A UUID-shaped id from a SHA-256 of the text. */
  static String digestId(String text) {
    String h = HexFormat.of().formatHex(sha256(text.getBytes(StandardCharsets.UTF_8)));
    return h.substring(0, 8)
        + "-"
        + h.substring(8, 12)
        + "-"
        + h.substring(12, 16)
        + "-"
        + h.substring(16, 20)
        + "-"
        + h.substring(20, 32);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
