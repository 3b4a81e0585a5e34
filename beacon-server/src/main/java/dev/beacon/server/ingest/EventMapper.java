package dev.beacon.server.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.protocol.ReportFields;
import dev.beacon.protocol.Wire;
import dev.beacon.server.storage.RollupFacts;
import dev.beacon.server.storage.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;

/**
 * Maps each accepted wire format onto the one event model: the Segment envelope (Beacon SDK,
 * Segment clients, DC/OS Signal) and EMQX reports. Personal data a Segment client may add is not
 * kept: {@code userId} and {@code traits} are dropped, the context keeps only the allow-listed
 * fields of {@link #CONTEXT_FIELDS}, and an event without an {@code anonymousId} is refused. The
 * values queries compute with are typed here, once ({@link TypedFields}).
 */
final class EventMapper {
  static final Set<String> TYPES =
      Set.of(Wire.TYPE_TRACK, "identify", "group", "page", "screen", "alias", Wire.TYPE_REPORT);

  /**
   * The context fields kept, and for objects the sub-fields kept ({@code null}: all). Everything
   * else (ip, traits, userAgent, page URLs, location, device and advertising ids, campaign,
   * network) identifies a person or a machine, and is dropped.
   */
  static final Map<String, Set<String>> CONTEXT_FIELDS =
      Map.ofEntries(
          Map.entry(Wire.APP, Set.of(Wire.NAME, Wire.VERSION, "build", "namespace")),
          Map.entry(Wire.LIBRARY, Set.of(Wire.NAME, Wire.VERSION)),
          Map.entry("os", Set.of("name", "version")),
          Map.entry("device", Set.of("type", "arch", "manufacturer", "model")),
          Map.entry("screen", Set.of("width", "height", "density")),
          Map.entry("locale", Set.of()),
          Map.entry("timezone", Set.of()),
          Map.entry("channel", Set.of()),
          Map.entry(Wire.CLUSTER_ID, Set.of()),
          Map.entry("compat", Set.of()),
          Map.entry(Wire.DROPPED_EVENTS, Set.of()));

  /**
   * The properties of a page or screen call that come from the page's location or document, never
   * kept: only the page's name and category (and the product's own properties) stay.
   */
  static final List<String> PAGE_LOCATION =
      List.of("url", "path", "referrer", "search", "title", "hash", "href", "referring_domain");

  private static final int MAX_ID = 128;
  private static final int MAX_NAME = 256;
  private static final Duration FUTURE_SKEW = Duration.ofDays(1);
  private static final Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  /** Nothing Beacon stores happened before this; older is a broken clock or a hostile client. */
  static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");

  private final ObjectMapper mapper;
  private final int maxEventBytes;
  private final IntSupplier retentionDays;

  EventMapper(ObjectMapper mapper, int maxEventBytes, IntSupplier retentionDays) {
    this.mapper = mapper;
    this.maxEventBytes = maxEventBytes;
    this.retentionDays = retentionDays;
  }

  /**
   * The context of a batch: checked and allow-listed once per request, then merged key by key under
   * each event's own context (never copied into each event).
   */
  record BatchContext(ObjectNode fields, int bytes) {
    static final BatchContext NONE = new BatchContext(JsonNodeFactory.instance.objectNode(), 0);
  }

  /**
   * @throws InvalidEvent when the batch context is not an object or is larger than {@code maxBytes}
   *     (the request is refused as a whole)
   */
  BatchContext batchContext(JsonNode context, int maxBytes) throws InvalidEvent {
    if (context == null || context.isNull()) {
      return BatchContext.NONE;
    }
    if (!context.isObject()) {
      throw new InvalidEvent("the batch context must be an object, not " + kind(context));
    }
    ObjectNode kept = allowListed(context, null);
    int bytes = utf8Length(json(kept));
    if (bytes > maxBytes) {
      throw new InvalidEvent(
          "the batch context is " + bytes + " bytes; the limit is " + maxBytes, true);
    }
    return new BatchContext(kept, bytes);
  }

  StoredEvent segment(
      String product, JsonNode e, BatchContext batch, String defaultType, Instant receivedAt)
      throws InvalidEvent {
    if (!e.isObject()) {
      throw new InvalidEvent("an event must be a JSON object, not " + kind(e));
    }
    String type = text(e, Wire.TYPE, MAX_NAME, defaultType == null);
    if (type == null) {
      type = defaultType;
    }
    if (!TYPES.contains(type)) {
      throw new InvalidEvent("type '" + type + "' is not one of " + new TreeSet<>(TYPES));
    }
    String anonymousId = id(e, Wire.ANONYMOUS_ID, true);
    String event = text(e, Wire.EVENT, MAX_NAME, type.equals(Wire.TYPE_TRACK));
    if (type.equals(Wire.TYPE_REPORT) && event == null) {
      event = Wire.REPORT_EVENT;
    } else if (event == null && (type.equals("page") || type.equals("screen"))) {
      event = text(e, "name", MAX_NAME, false); // Segment's page name: a web UI's route template
    }
    String messageId = id(e, Wire.MESSAGE_ID, false);
    if (messageId == null) {
      // Segment's clients may leave it out, and two real occurrences of one event can be
      // identical: an id derived from the content would merge them. Without a client id, a retry
      // cannot be told from a repeat anyway.
      messageId = java.util.UUID.randomUUID().toString();
    }
    JsonNode propertiesNode = objectOrEmpty(e, Wire.PROPERTIES);
    ObjectNode properties = propertiesNode instanceof ObjectNode o ? o : mapper.createObjectNode();
    if (type.equals("page") || type.equals("screen")) {
      // analytics.js fills these from the location: a URL, a path with ids, a query, a title.
      properties.remove(PAGE_LOCATION);
    }
    TypedFields.normalize(properties, type, event);
    JsonNode own = objectOrEmpty(e, Wire.CONTEXT);
    ObjectNode context = allowListed(own, batch.fields());
    Instant timestamp = timestamp(e, receivedAt);

    String props = json(properties);
    String ctx = json(context);
    long chars =
        (long) props.length()
            + ctx.length()
            + type.length()
            + anonymousId.length()
            + messageId.length()
            + (event == null ? 0 : event.length());
    // A char is at most 3 bytes of UTF-8 (a surrogate pair 4 for two): count only when it may be
    // over.
    if (chars * 3 > maxEventBytes) {
      int size =
          utf8Length(props)
              + utf8Length(ctx)
              + utf8Length(type)
              + utf8Length(anonymousId)
              + utf8Length(messageId)
              + (event == null ? 0 : utf8Length(event));
      if (size > maxEventBytes) {
        throw new InvalidEvent(
            "the event is " + size + " bytes; the limit is " + maxEventBytes, true);
      }
    }
    return new StoredEvent(
        product,
        messageId,
        type,
        event,
        anonymousId,
        firstText(
            context.path(Wire.CLUSTER_ID),
            properties.path(Wire.CLUSTER_ID),
            properties.path(ReportFields.CLUSTER_UUID),
            e.path("groupId")),
        timestamp,
        receivedAt,
        firstText(
            context.path(Wire.APP).path(Wire.VERSION),
            type.equals(Wire.TYPE_REPORT) ? properties.path(ReportFields.VERSION) : null,
            properties.path("environmentVersion")),
        firstText(properties.path(ReportFields.OS_NAME), context.path("os").path("name")),
        firstText(properties.path(ReportFields.ARCH), context.path("device").path("arch")),
        runtime(properties),
        firstText(context.path(Wire.LIBRARY).path(Wire.NAME)),
        props,
        ctx,
        RollupFacts.of(type, event, properties));
  }

  /**
   * An EMQX report. Its message id is derived (documented): the product, the node's {@code uuid}
   * and a SHA-256 of the body, so a report re-sent as the same bytes is stored once, while EMQX
   * sends no id of its own. Stored as re-serialized UTF-8 JSON whatever encoding it came in.
   */
  StoredEvent emqx(String product, JsonNode report, byte[] body, Instant receivedAt)
      throws InvalidEvent {
    if (!report.isObject()) {
      throw new InvalidEvent("an EMQX report must be a JSON object, not " + kind(report));
    }
    String uuid = uuid(report, ReportFields.UUID, true);
    String clusterUuid = uuid(report, ReportFields.CLUSTER_UUID, false);
    String version = text(report, "emqx_version", MAX_NAME, false);
    TypedFields.normalize((ObjectNode) report, "report", "report");
    String props = json(report);
    int bytes = utf8Length(props);
    if (bytes > maxEventBytes) {
      throw new InvalidEvent(
          "the report is " + bytes + " bytes; the limit is " + maxEventBytes, true);
    }
    String otp = firstText(report.path("otp_version"));
    return new StoredEvent(
        product,
        digestId(product + "\u0000" + uuid + "\u0000" + HexFormat.of().formatHex(sha256(body))),
        "report",
        "report",
        uuid,
        clusterUuid,
        receivedAt,
        receivedAt,
        version,
        firstText(report.path(ReportFields.OS_NAME)),
        firstText(report.path(ReportFields.BUILD_INFO).path(ReportFields.ARCH)),
        otp == null ? null : "otp " + otp,
        "emqx",
        props,
        "{\"compat\":\"emqx\"}",
        RollupFacts.of(Wire.TYPE_REPORT, Wire.REPORT_EVENT, report));
  }

  /** The allow-listed fields of {@code own} over those of {@code base} (already allow-listed). */
  static ObjectNode allowListed(JsonNode own, ObjectNode base) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (base != null) {
      out.setAll(base);
    }
    for (Map.Entry<String, JsonNode> f : own.properties()) {
      Set<String> sub = CONTEXT_FIELDS.get(f.getKey());
      if (sub == null) {
        continue;
      }
      JsonNode v = f.getValue();
      if (v.isObject()) {
        ObjectNode kept = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> g : v.properties()) {
          if (sub.contains(g.getKey()) && g.getValue().isValueNode()) {
            kept.set(g.getKey(), g.getValue());
          }
        }
        out.set(f.getKey(), kept);
      } else if (v.isValueNode()) {
        out.set(f.getKey(), v);
      }
    }
    return out;
  }

  /** A UUID field (36 characters, hex and dashes): EMQX's node and cluster ids are nothing else. */
  private static String uuid(JsonNode e, String field, boolean required) throws InvalidEvent {
    String s = text(e, field, 36, required);
    if (s != null && !UUID.matcher(s).matches()) {
      throw new InvalidEvent(
          field + " must be a UUID such as 9d5ab9b2-3c47-4a8a-8a83-3f7f1a1bd3b2");
    }
    return s;
  }

  /** An id: text of at most {@value #MAX_ID} characters. */
  private static String id(JsonNode e, String field, boolean required) throws InvalidEvent {
    return text(e, field, MAX_ID, required);
  }

  static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  private static String runtime(JsonNode properties) {
    String jvm = firstText(properties.path(ReportFields.JVM_VERSION));
    return jvm == null ? null : "jvm " + jvm;
  }

  private Instant timestamp(JsonNode e, Instant receivedAt) throws InvalidEvent {
    JsonNode t = e.get(Wire.TIMESTAMP);
    if (t == null || t.isNull()) {
      return receivedAt;
    }
    if (!t.isTextual()) {
      throw new InvalidEvent("timestamp must be an ISO-8601 string, not " + kind(t));
    }
    Instant at = IsoTimes.parse(t.asText());
    if (at == null) {
      throw new InvalidEvent("timestamp is not ISO-8601: '" + clip(t.asText()) + "'");
    }
    if (at.isBefore(EARLIEST)) {
      throw new InvalidEvent("timestamp " + clip(t.asText()) + " is before " + EARLIEST);
    }
    int days = retentionDays.getAsInt();
    if (days > 0 && at.isBefore(receivedAt.minus(Duration.ofDays(days)))) {
      // Retention deletes by this timestamp: acknowledging it would mean deleting it at once.
      throw new InvalidEvent(
          "timestamp " + clip(t.asText()) + " is older than the retention of " + days + " days");
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
      return JsonNodeFactory.instance.objectNode();
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
    if (n.isObject() && n.isEmpty()) {
      return "{}"; // most events' context, once allow-listed: no generator for it
    }
    try {
      return mapper.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new InvalidEvent("cannot be stored as JSON: " + e.getOriginalMessage());
    }
  }

  static String kind(JsonNode n) {
    return n.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  private static String clip(String s) {
    String printable = s.replaceAll("\\p{Cntrl}", "?");
    return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
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
