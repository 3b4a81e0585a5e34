package dev.beacon.server.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.beacon.protocol.Wire;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts OTLP spans and log records into the Segment envelope, one event each.
 *
 * <ul>
 *   <li><b>werf's spans</b> (name or scope {@value WerfSpans#SPAN}) become exactly the events the
 *       Beacon SDK sends for a CLI: the event is werf's {@code eventType} ({@code CommandStarted},
 *       {@code CommandExited}, {@code UnshallowFailed}, ...), the properties {@code ts}, {@code
 *       executionID}, {@code projectID}, {@code command}, {@code attributes} and {@code eventData}
 *       parsed from their JSON strings, with werf's {@code commandOptions} under the SDK's name
 *       {@code options}. werf's {@code userID} (a hash of a MAC address) is dropped; so is an
 *       event's free-text {@code errorMessage} (git's errors quote URLs and paths). The {@code
 *       projectID} (a plain SHA-256 of the git origin) is re-keyed as the SDK's own is (HMAC with
 *       the product's name), so a table of hashes of public repository URLs does not apply. werf
 *       has no installation id but the MAC hash, so each run (its {@code executionID}) counts as
 *       its own installation.
 *   <li><b>Other spans</b>: the span's name is the event, its attributes the properties (less
 *       {@link #IDENTIFYING_ATTRIBUTES}), with {@code durationMs} and an error {@code status}.
 *   <li><b>Log records</b>: the event is the record's {@code event_name} (or attribute {@code
 *       event.name}, or {@code log}), its attributes the properties, with {@code severity}. A log
 *       body is free text and not kept.
 * </ul>
 *
 * The resource's {@code service.name}, {@code service.version}, {@code os.type} / {@code os.name},
 * {@code os.version} and {@code host.arch} become the app, version, OS and arch; of the rest only
 * {@link #RESOURCE_KEPT} is kept (under {@code properties["otel.resource"]}); {@code host.name},
 * {@code host.id}, addresses and every other resource attribute are dropped. The installation is
 * the resource's {@code service.instance.id}, else the trace id (one installation per trace). A
 * span's message id is its trace id and span id, so a retried export is stored once.
 */
final class OtlpMapper {

  /** Resource attributes kept beside the ones mapped onto the event's fields. */
  static final Set<String> RESOURCE_KEPT =
      Set.of(
          "service.namespace",
          "host.type",
          "os.description",
          "process.runtime.name",
          "process.runtime.version",
          "telemetry.sdk.name",
          "telemetry.sdk.language",
          "telemetry.sdk.version",
          "deployment.environment",
          "deployment.environment.name",
          "cloud.provider",
          "cloud.platform",
          "cloud.region");

  /**
   * Span and log attributes never kept: exact names, and prefixes (ending in a dot or an
   * underscore). They name a machine, a person, an address, a path or a URL in OpenTelemetry's
   * semantic conventions; werf's {@code userID} is one too.
   */
  static final Set<String> IDENTIFYING_ATTRIBUTES =
      Set.of(
          "userID",
          "service.instance.id",
          "host.",
          "user.",
          "enduser.",
          "url.",
          "client.",
          "server.address",
          "source.",
          "destination.",
          "network.peer.",
          "network.local.",
          "net.",
          "geo.",
          "device.id",
          "k8s.pod.",
          "k8s.node.",
          "container.",
          "process.pid",
          "process.owner",
          "process.command",
          "process.command_line",
          "process.command_args",
          "process.executable.",
          "code.filepath",
          "code.file.",
          "exception.message",
          "exception.stacktrace",
          "user_agent.",
          "http.url",
          "http.target",
          "http.client_ip",
          "http.user_agent",
          "http.host",
          "db.statement",
          "db.query.",
          "error.message",
          "errorMessage");

  /** The prefixes of {@link #IDENTIFYING_ATTRIBUTES}, those ending in a dot or an underscore. */
  private static final String[] IDENTIFYING_PREFIXES =
      IDENTIFYING_ATTRIBUTES.stream()
          .filter(d -> d.endsWith(".") || d.endsWith("_"))
          .toArray(String[]::new);

  /** Deepest nesting of an attribute value (arrays and key-value lists) kept. */
  static final int MAX_VALUE_DEPTH = 16;

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final WerfSpans werfSpans;

  OtlpMapper(JsonReader json) {
    this.werfSpans = new WerfSpans(json);
  }

  /** Spans in a request, for the per-request limit before anything is translated. */
  static int count(ExportTraceServiceRequest r) {
    int n = 0;
    for (ResourceSpans rs : r.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        n += ss.getSpansCount();
      }
    }
    return n;
  }

  static int count(ExportLogsServiceRequest r) {
    int n = 0;
    for (ResourceLogs rl : r.getResourceLogsList()) {
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        n += sl.getLogRecordsCount();
      }
    }
    return n;
  }

  List<Translated> spans(String product, ExportTraceServiceRequest request) {
    List<Translated> out = new ArrayList<>();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      Origin origin = Origin.of(rs.getResource());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          out.add(span(product, origin, ss.getScope(), span));
        }
      }
    }
    return out;
  }

  List<Translated> logs(ExportLogsServiceRequest request) {
    List<Translated> out = new ArrayList<>();
    for (ResourceLogs rl : request.getResourceLogsList()) {
      Origin origin = Origin.of(rl.getResource());
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        for (LogRecord record : sl.getLogRecordsList()) {
          out.add(log(origin, sl.getScope(), record));
        }
      }
    }
    return out;
  }

  /** What the resource says of where the telemetry comes from, already filtered. */
  private record Origin(
      String service,
      String version,
      String os,
      String osVersion,
      String arch,
      String instance,
      ObjectNode kept) {
    static Origin of(Resource r) {
      Map<String, AnyValue> a = new LinkedHashMap<>();
      for (KeyValue kv : r.getAttributesList()) {
        a.put(kv.getKey(), kv.getValue());
      }
      ObjectNode kept = F.objectNode();
      for (String key : RESOURCE_KEPT) {
        AnyValue v = a.get(key);
        if (v != null && v.hasStringValue()) {
          kept.put(key, v.getStringValue());
        }
      }
      String os = text(a.get("os.type"));
      return new Origin(
          text(a.get("service.name")),
          text(a.get("service.version")),
          os != null ? os : text(a.get("os.name")),
          text(a.get("os.version")),
          text(a.get("host.arch")),
          text(a.get("service.instance.id")),
          kept);
    }
  }

  private Translated span(String product, Origin origin, InstrumentationScope scope, Span span) {
    Map<String, AnyValue> attributes = new LinkedHashMap<>();
    for (KeyValue kv : span.getAttributesList()) {
      attributes.put(kv.getKey(), kv.getValue());
    }
    ObjectNode e = F.objectNode();
    e.put(Wire.TYPE, Wire.TYPE_TRACK);
    String messageId = spanId(span.getTraceId(), span.getSpanId());
    if (messageId != null) {
      e.put(Wire.MESSAGE_ID, messageId);
    }
    ObjectNode context = context(origin, scope);
    e.set(Wire.CONTEXT, context);
    boolean werf =
        (WerfSpans.SPAN.equals(span.getName()) || WerfSpans.SPAN.equals(scope.getName()))
            && attributes.containsKey("eventType");
    if (werf) {
      return werfSpans.event(product, e, context, attributes, span);
    }
    e.put(Wire.EVENT, span.getName().isEmpty() ? "span" : span.getName());
    String installation = origin.instance() != null ? origin.instance() : hex(span.getTraceId());
    if (installation != null) {
      e.put(Wire.ANONYMOUS_ID, installation);
    }
    if (span.getStartTimeUnixNano() != 0) {
      e.put(Wire.TIMESTAMP, iso(span.getStartTimeUnixNano()));
    }
    ObjectNode properties = F.objectNode();
    String problem = properties(attributes, properties);
    long start = span.getStartTimeUnixNano();
    long end = span.getEndTimeUnixNano();
    if (start != 0 && end >= start) {
      properties.put("durationMs", (end - start) / 1_000_000.0);
    }
    if (span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
      properties.put("status", "error");
    }
    withResource(properties, origin);
    e.set(Wire.PROPERTIES, properties);
    return problem == null ? Translated.of(e) : Translated.refused(e, problem);
  }

  private Translated log(Origin origin, InstrumentationScope scope, LogRecord record) {
    Map<String, AnyValue> attributes = new LinkedHashMap<>();
    for (KeyValue kv : record.getAttributesList()) {
      attributes.put(kv.getKey(), kv.getValue());
    }
    ObjectNode e = F.objectNode();
    e.put(Wire.TYPE, Wire.TYPE_TRACK);
    String name = record.getEventName();
    if (name.isEmpty()) {
      String attribute = text(attributes.get("event.name"));
      name = attribute == null ? "log" : attribute;
    }
    e.put(Wire.EVENT, name);
    String installation = origin.instance() != null ? origin.instance() : hex(record.getTraceId());
    if (installation != null) {
      e.put(Wire.ANONYMOUS_ID, installation);
    }
    long at =
        record.getTimeUnixNano() != 0 ? record.getTimeUnixNano() : record.getObservedTimeUnixNano();
    if (at != 0) {
      e.put(Wire.TIMESTAMP, iso(at));
    }
    e.set(Wire.CONTEXT, context(origin, scope));
    ObjectNode properties = F.objectNode();
    attributes.remove("event.name");
    String problem = properties(attributes, properties);
    if (!record.getSeverityText().isEmpty()) {
      properties.put("severity", record.getSeverityText());
    } else if (record.getSeverityNumberValue() != 0) {
      properties.put("severity", record.getSeverityNumberValue());
    }
    withResource(properties, origin);
    e.set(Wire.PROPERTIES, properties);
    return problem == null ? Translated.of(e) : Translated.refused(e, problem);
  }

  private static ObjectNode context(Origin origin, InstrumentationScope scope) {
    ObjectNode context = F.objectNode();
    context.put("compat", "otlp");
    if (origin.service() != null || origin.version() != null) {
      ObjectNode app = context.putObject(Wire.APP);
      if (origin.service() != null) {
        app.put(Wire.NAME, origin.service());
      }
      if (origin.version() != null) {
        app.put(Wire.VERSION, origin.version());
      }
    }
    if (origin.os() != null) {
      ObjectNode os = context.putObject("os");
      os.put("name", origin.os());
      if (origin.osVersion() != null) {
        os.put("version", origin.osVersion());
      }
    }
    if (origin.arch() != null) {
      context.putObject("device").put("arch", origin.arch());
    }
    if (!scope.getName().isEmpty()) {
      ObjectNode library = context.putObject(Wire.LIBRARY);
      library.put(Wire.NAME, scope.getName());
      if (!scope.getVersion().isEmpty()) {
        library.put(Wire.VERSION, scope.getVersion());
      }
    }
    return context;
  }

  private static void withResource(ObjectNode properties, Origin origin) {
    if (!origin.kept().isEmpty()) {
      properties.set("otel.resource", origin.kept());
    }
  }

  /**
   * The attributes that may be kept, as JSON values.
   *
   * @return why the event is refused (a value nested too deep), or null
   */
  private static String properties(Map<String, AnyValue> attributes, ObjectNode into) {
    for (Map.Entry<String, AnyValue> a : attributes.entrySet()) {
      if (identifying(a.getKey())) {
        continue;
      }
      JsonNode v = value(a.getValue(), 0);
      if (v == null) {
        return "attribute '"
            + clip(a.getKey())
            + "' nests deeper than "
            + MAX_VALUE_DEPTH
            + " levels";
      }
      into.set(a.getKey(), v);
    }
    return null;
  }

  static boolean identifying(String key) {
    if (IDENTIFYING_ATTRIBUTES.contains(key)) {
      return true;
    }
    for (String prefix : IDENTIFYING_PREFIXES) {
      if (key.startsWith(prefix)) {
        return true;
      }
    }
    int n = key.length();
    return key.regionMatches(true, n - 3, ".ip", 0, 3)
        || key.regionMatches(true, n - 4, ".mac", 0, 4)
        || key.regionMatches(true, n - 5, "email", 0, 5);
  }

  /** An attribute value as JSON; null when it nests deeper than {@link #MAX_VALUE_DEPTH}. */
  private static JsonNode value(AnyValue v, int depth) {
    if (depth > MAX_VALUE_DEPTH) {
      return null;
    }
    return switch (v.getValueCase()) {
      case STRING_VALUE -> F.textNode(v.getStringValue());
      case BOOL_VALUE -> F.booleanNode(v.getBoolValue());
      case INT_VALUE -> F.numberNode(v.getIntValue());
      case DOUBLE_VALUE ->
          Double.isFinite(v.getDoubleValue()) ? F.numberNode(v.getDoubleValue()) : F.nullNode();
      case ARRAY_VALUE -> {
        ArrayNode array = F.arrayNode();
        for (AnyValue element : v.getArrayValue().getValuesList()) {
          JsonNode j = value(element, depth + 1);
          if (j == null) {
            yield null;
          }
          array.add(j);
        }
        yield array;
      }
      case KVLIST_VALUE -> {
        ObjectNode object = F.objectNode();
        for (KeyValue kv : v.getKvlistValue().getValuesList()) {
          if (identifying(kv.getKey())) {
            continue;
          }
          JsonNode j = value(kv.getValue(), depth + 1);
          if (j == null) {
            yield null;
          }
          object.set(kv.getKey(), j);
        }
        yield object;
      }
      // opaque, and nothing a query reads: its size only
      case BYTES_VALUE -> F.textNode("(" + v.getBytesValue().size() + " bytes)");
      default -> F.nullNode(); // unset, or a kind newer than these classes
    };
  }

  static String text(AnyValue v) {
    if (v == null) {
      return null;
    }
    String s =
        switch (v.getValueCase()) {
          case STRING_VALUE -> v.getStringValue();
          case INT_VALUE -> Long.toString(v.getIntValue());
          default -> null;
        };
    return s == null || s.isBlank() ? null : s;
  }

  static Long integer(AnyValue v) {
    if (v == null) {
      return null;
    }
    if (v.hasIntValue()) {
      return v.getIntValue();
    }
    if (v.hasStringValue() && v.getStringValue().matches("-?[0-9]{1,18}")) {
      return Long.parseLong(v.getStringValue());
    }
    return null;
  }

  static void putText(ObjectNode into, String field, JsonNode value) {
    if (value != null && value.isTextual() && !value.asText().isBlank()) {
      into.put(field, value.asText());
    }
  }

  /** Trace id and span id in hex, when both are set (a client retry sends the same). */
  private static String spanId(ByteString trace, ByteString span) {
    String t = hex(trace);
    String s = hex(span);
    return t == null || s == null ? null : t + "-" + s;
  }

  private static String hex(ByteString id) {
    if (id.isEmpty() || id.size() > 16) {
      return null;
    }
    for (int i = 0; i < id.size(); i++) {
      if (id.byteAt(i) != 0) {
        return HexFormat.of().formatHex(id.toByteArray());
      }
    }
    return null; // all zero: no id
  }

  static String iso(long unixNano) {
    return Instant.ofEpochSecond(
            Long.divideUnsigned(unixNano, 1_000_000_000L),
            Long.remainderUnsigned(unixNano, 1_000_000_000L))
        .toString();
  }

  private static String clip(String s) {
    String printable = s.replaceAll("\\p{Cntrl}", "?");
    return printable.length() > 60 ? printable.substring(0, 60) + "..." : printable;
  }
}
