package dev.beacon.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.ingest.BodyReader;
import dev.beacon.server.ingest.IngestService;
import dev.beacon.server.ingest.JsonReader;
import dev.beacon.server.limits.SourceKeys;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/HTTP ({@code POST /v1/traces}, {@code POST /v1/logs}), protobuf and JSON, answered as the
 * OTLP specification says: 200 with the {@code Export...ServiceResponse} in the request's encoding,
 * with {@code partial_success} when some records were refused (clients do not retry it); a {@code
 * google.rpc.Status} otherwise, 400 for what cannot be decoded, 401, 413, 415, and 429 or 503 with
 * {@code Retry-After} for back-pressure. Never 500, which OTLP clients treat as final: an
 * unexpected failure answers 503.
 */
final class OtlpRoutes implements HttpService {
  private static final Logger LOG = LoggerFactory.getLogger(OtlpRoutes.class);
  static final String PROTOBUF = "application/x-protobuf";
  static final String JSON = "application/json";

  /** What the spec's JSON mapping writes in hex, where protobuf's JSON has base64. */
  private static final Set<String> HEX_IDS = Set.of("traceId", "spanId", "parentSpanId");

  private final IngestService ingest;
  private final BodyReader bodies;
  private final JsonReader json;
  private final RequestDeadlines deadlines;
  private final RefusalCounts refusals;
  private final Cors cors;
  private final HeaderName keyHeader;
  private final SourceKeys sources = new SourceKeys();

  OtlpRoutes(
      IngestService ingest,
      BodyReader bodies,
      JsonReader json,
      RequestDeadlines deadlines,
      RefusalCounts refusals,
      Cors cors,
      String keyHeader) {
    this.ingest = ingest;
    this.bodies = bodies;
    this.json = json;
    this.deadlines = deadlines;
    this.refusals = refusals;
    this.cors = cors;
    this.keyHeader = keyHeader == null ? null : HeaderNames.create(keyHeader);
  }

  private enum Signal {
    TRACES,
    LOGS
  }

  @Override
  public void routing(HttpRules rules) {
    rules.post("/v1/traces", (req, res) -> export(Signal.TRACES, req, res));
    rules.post("/v1/logs", (req, res) -> export(Signal.LOGS, req, res));
    for (String path : new String[] {"/v1/traces", "/v1/logs"}) {
      rules.options(path, cors::preflight);
      rules.any(
          path,
          (req, res) -> {
            res.header(HeaderNames.ALLOW, "POST, OPTIONS");
            answerStatus(
                res,
                false,
                405,
                3,
                "OTLP/HTTP takes POST here, not " + req.prologue().method().text(),
                0);
          });
    }
  }

  private void export(Signal signal, ServerRequest req, ServerResponse res) {
    boolean protobuf = true;
    try {
      protobuf = encoding(req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null));
      String product = authenticate(req);
      cors.allow(req, res, product);
      byte[] raw = read(req);
      Instant received = Instant.now();
      IngestService.Outcome o =
          signal == Signal.TRACES
              ? ingest.otlpSpans(product, decodeTraces(raw, protobuf), received)
              : ingest.otlpLogs(product, decodeLogs(raw, protobuf), received);
      answer(res, protobuf, response(signal, o));
    } catch (Refusal e) {
      refusals.count(RefusalCounts.reason(e.kind(), e.code()), e.code());
      answerStatus(
          res,
          protobuf,
          Responses.status(e.kind()),
          grpcCode(e.kind()),
          e.getMessage(),
          e.retryAfterSeconds() > 0
              ? e.retryAfterSeconds()
              : e.kind() == Kind.RATE_LIMITED || e.kind() == Kind.OVERLOADED ? 1 : 0);
    } catch (IOException | RuntimeException e) {
      // The client's connection, or a fault of ours: never the body in the log, and never 500.
      LOG.warn("OTLP export failed: {}", e.getClass().getName());
      answerStatus(res, protobuf, 503, 14, "the export could not be stored now; retry", 5);
    }
  }

  /** True for protobuf, false for JSON; 415 for any other type (none is protobuf, as the spec). */
  private static boolean encoding(String contentType) {
    String type =
        contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    return switch (type) {
      case PROTOBUF, "application/protobuf" -> true;
      case JSON -> false;
      default ->
          throw new Refusal(
              Kind.UNSUPPORTED_MEDIA_TYPE,
              "unsupported_media_type",
              "OTLP/HTTP takes Content-Type "
                  + PROTOBUF
                  + " or "
                  + JSON
                  + (type.isEmpty()
                      ? ""
                      : ", not '" + type.replaceAll("[^\\x20-\\x7e]", "?") + "'"));
    };
  }

  /** The write key as the HTTP Basic user, a Bearer token or the configured header; or open. */
  private String authenticate(ServerRequest req) {
    String authorization = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
    String key = IngestRoutes.basicUser(authorization);
    if (key == null
        && authorization != null
        && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      key = authorization.substring(7).strip();
    }
    if (key == null && keyHeader != null) {
      key = req.headers().first(keyHeader).orElse(null);
    }
    if (key == null) {
      String open =
          ingest.openOtlpProduct(
              sources.of(((InetSocketAddress) req.remotePeer().address()).getAddress()));
      if (open != null) {
        return open;
      }
    }
    return ingest.authenticateKey(
        key,
        "send it as the HTTP Basic user name or as Authorization: Bearer"
            + (keyHeader == null ? "" : " or in " + keyHeader.defaultCase())
            + " (OTEL_EXPORTER_OTLP_HEADERS), or open a product for OTLP with"
            + " compat.otlp.product");
  }

  private byte[] read(ServerRequest req) throws IOException {
    long length = req.headers().contentLength().orElse(-1);
    try (InputStream in = deadlines.body(req)) {
      return bodies.read(
          in, length, req.headers().first(HeaderNames.CONTENT_ENCODING).orElse(null));
    }
  }

  private ExportTraceServiceRequest decodeTraces(byte[] raw, boolean protobuf) {
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    decode(raw, protobuf, b);
    requireKnown(b.getResourceSpansCount(), b);
    return b.build();
  }

  private ExportLogsServiceRequest decodeLogs(byte[] raw, boolean protobuf) {
    ExportLogsServiceRequest.Builder b = ExportLogsServiceRequest.newBuilder();
    decode(raw, protobuf, b);
    requireKnown(b.getResourceLogsCount(), b);
    return b.build();
  }

  /** Either encoding into the request's builder; 400 for what cannot be decoded. */
  private void decode(byte[] raw, boolean protobuf, Message.Builder into) {
    try {
      if (protobuf) {
        into.mergeFrom(raw);
      } else {
        JsonFormat.parser().ignoringUnknownFields().merge(protoJson(raw), into);
      }
    } catch (InvalidProtocolBufferException e) {
      throw undecodable(protobuf, e);
    }
  }

  /**
   * Protobuf reads a field of the wrong wire type as an unknown one: a body of nothing else is not
   * an export request (an empty body is, and succeeds).
   */
  private static void requireKnown(int resources, Message.Builder request) {
    if (resources == 0 && !request.getUnknownFields().asMap().isEmpty()) {
      throw new Refusal(
          Kind.BAD_REQUEST,
          "invalid_protobuf",
          "the body is not a valid OTLP protobuf message: it holds no resource records, only"
              + " fields OTLP does not define (or of the wrong wire type)");
    }
  }

  private static Refusal undecodable(boolean protobuf, InvalidProtocolBufferException e) {
    String why = e.getMessage() == null ? "" : e.getMessage();
    int nl = why.indexOf('\n');
    why = (nl < 0 ? why : why.substring(0, nl)).replaceAll("[^\\x20-\\x7e]", "?");
    if (why.length() > 300) {
      why = why.substring(0, 300) + "...";
    }
    return new Refusal(
        Kind.BAD_REQUEST,
        protobuf ? "invalid_protobuf" : "invalid_otlp_json",
        (protobuf
                ? "the body is not a valid OTLP protobuf message: "
                : "the body is not OTLP JSON: ")
            + why);
  }

  /**
   * OTLP JSON as protobuf's JSON mapping reads it: the body is read under the server's JSON limits
   * (depth, sizes, duplicate keys), then the hex ids of the OTLP mapping become base64.
   */
  private String protoJson(byte[] raw) {
    JsonNode tree = json.read(raw);
    hexIdsToBase64(tree, 0);
    return tree.toString();
  }

  private static void hexIdsToBase64(JsonNode n, int depth) {
    if (n instanceof ObjectNode o) {
      for (Map.Entry<String, JsonNode> f : o.properties()) {
        JsonNode v = f.getValue();
        if (HEX_IDS.contains(f.getKey()) && v.isTextual()) {
          f.setValue(o.textNode(base64OfHex(f.getKey(), v.asText())));
        } else {
          hexIdsToBase64(v, depth + 1);
        }
      }
    } else if (n.isArray()) {
      for (JsonNode e : n) {
        hexIdsToBase64(e, depth + 1);
      }
    }
  }

  private static String base64OfHex(String field, String hex) {
    if (hex.isEmpty()) {
      return "";
    }
    if (hex.length() > 64 || hex.length() % 2 != 0 || !hex.matches("[0-9a-fA-F]+")) {
      throw new Refusal(
          Kind.BAD_REQUEST,
          "invalid_otlp_json",
          field + " must be hex (OTLP JSON writes ids in hex, not base64)");
    }
    return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
  }

  private static Message response(Signal signal, IngestService.Outcome o) {
    int rejected = o.rejected().size();
    String message =
        rejected == 0
            ? ""
            : rejected
                + " refused (kept in Beacon's quarantine where possible); the first: "
                + o.rejected().get(0).reason();
    if (signal == Signal.TRACES) {
      ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
      if (rejected > 0) {
        b.setPartialSuccess(
            ExportTracePartialSuccess.newBuilder()
                .setRejectedSpans(rejected)
                .setErrorMessage(message));
      }
      return b.build();
    }
    ExportLogsServiceResponse.Builder b = ExportLogsServiceResponse.newBuilder();
    if (rejected > 0) {
      b.setPartialSuccess(
          ExportLogsPartialSuccess.newBuilder()
              .setRejectedLogRecords(rejected)
              .setErrorMessage(message));
    }
    return b.build();
  }

  private static void answer(ServerResponse res, boolean protobuf, Message m) throws IOException {
    res.status(200);
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    if (protobuf) {
      res.header(HeaderNames.CONTENT_TYPE, PROTOBUF);
      res.send(m.toByteArray());
    } else {
      res.header(HeaderNames.CONTENT_TYPE, JSON);
      res.send(
          JsonFormat.printer()
              .omittingInsignificantWhitespace()
              .print(m)
              .getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A {@code google.rpc.Status} (code, message) in the request's encoding. */
  private void answerStatus(
      ServerResponse res, boolean protobuf, int status, int code, String message, long retryAfter) {
    res.status(status);
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    if (retryAfter > 0) {
      res.header(HeaderNames.RETRY_AFTER, Long.toString(retryAfter));
    }
    if (protobuf) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try {
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeInt32(1, code);
        out.writeString(2, message);
        out.flush();
      } catch (IOException impossible) {
        throw new IllegalStateException(impossible);
      }
      res.header(HeaderNames.CONTENT_TYPE, PROTOBUF);
      res.send(bytes.toByteArray());
    } else {
      ObjectNode body = json.mapper().createObjectNode();
      body.put("code", code);
      body.put("message", message);
      res.header(HeaderNames.CONTENT_TYPE, JSON);
      res.send(body.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** The gRPC status code of a refusal, as the OTLP spec pairs them with HTTP statuses. */
  private static int grpcCode(Kind kind) {
    return switch (kind) {
      case BAD_REQUEST, UNSUPPORTED_MEDIA_TYPE -> 3; // INVALID_ARGUMENT
      case UNAUTHORIZED -> 16; // UNAUTHENTICATED
      case FORBIDDEN -> 7; // PERMISSION_DENIED
      case NOT_FOUND -> 5;
      case CONFLICT -> 6;
      case TOO_LARGE, RATE_LIMITED -> 8; // RESOURCE_EXHAUSTED
      case OVERLOADED -> 14; // UNAVAILABLE
    };
  }
}
