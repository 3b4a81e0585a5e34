package dev.beacon.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.ingest.BodyReader;
import dev.beacon.server.ingest.IngestService;
import dev.beacon.server.ingest.JsonReader;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * PostHog's capture endpoints (v0: {@code /batch}, {@code /capture}, {@code /e}, {@code /i/v0/e},
 * {@code /track}, {@code /engage}, each with or without a trailing slash), decoded in the order
 * PostHog's own capture service decodes them: the query's {@code data} or the body; base64; a form
 * with {@code data} and {@code compression}; gzip when the query, the form or {@code
 * Content-Encoding} says so or the bytes start with gzip's magic; base64 once more; JSON. Answers
 * {@code 200 {"status":1}} (with Beacon's per-event outcome beside it), {@code 204} for {@code
 * beacon=1} ({@code sendBeacon}); 400, 401, 413, 415, 429 and 503 as PostHog does. {@code /flags}
 * and {@code /decide} answer "no flags", and the remote config of {@code /array/<token>/config}
 * turns off what Beacon does not take (recordings, surveys, autocapture's page data), so browser
 * libraries start cleanly.
 */
final class PostHogRoutes implements HttpService {
  static final List<String> CAPTURE_PATHS =
      List.of("/batch", "/capture", "/e", "/i/v0/e", "/track", "/engage");
  private static final List<String> FLAGS_PATHS = List.of("/flags", "/decide");
  private static final String FORM = "application/x-www-form-urlencoded";
  private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]+={0,2}");

  /** What {@code /flags} answers: no flags, and no error (so nothing is retried). */
  static final Map<String, Object> NO_FLAGS =
      Map.of(
          "flags", Map.of(),
          "featureFlags", Map.of(),
          "featureFlagPayloads", Map.of(),
          "errorsWhileComputingFlags", false,
          "sessionRecording", false);

  /**
   * posthog-js's remote config: gzip-js compression, and nothing Beacon does not take (session
   * recordings, surveys, heatmaps, exceptions and dead clicks, which carry page content).
   */
  static final Map<String, Object> REMOTE_CONFIG =
      Map.of(
          "supportedCompression", List.of("gzip-js", "gzip"),
          "hasFeatureFlags", false,
          "sessionRecording", false,
          "surveys", false,
          "heatmaps", false,
          "autocaptureExceptions", false,
          "captureDeadClicks", false,
          "capturePerformance", false,
          "autocapture_opt_out", true,
          "siteApps", List.of());

  private final IngestService ingest;
  private final BodyReader bodies;
  private final JsonReader json;
  private final Responses responses;
  private final RequestDeadlines deadlines;
  private final Cors cors;

  PostHogRoutes(
      IngestService ingest,
      BodyReader bodies,
      JsonReader json,
      Responses responses,
      RequestDeadlines deadlines,
      Cors cors) {
    this.ingest = ingest;
    this.bodies = bodies;
    this.json = json;
    this.responses = responses;
    this.deadlines = deadlines;
    this.cors = cors;
  }

  @Override
  public void routing(HttpRules rules) {
    for (String path : CAPTURE_PATHS) {
      for (String p : List.of(path, path + "/")) {
        rules.post(p, (req, res) -> capture(path, req, res));
        rules.get(p, (req, res) -> capture(path, req, res));
        rules.options(p, cors::preflight);
      }
    }
    for (String path : FLAGS_PATHS) {
      for (String p : List.of(path, path + "/")) {
        rules.post(p, (req, res) -> stub(NO_FLAGS, req, res));
        rules.get(p, (req, res) -> stub(NO_FLAGS, req, res));
        rules.options(p, cors::preflight);
      }
    }
    rules.get("/array/{token}/config", (req, res) -> stub(REMOTE_CONFIG, req, res));
  }

  private void capture(String path, ServerRequest req, ServerResponse res) throws IOException {
    Instant received = Instant.now();
    JsonNode body = json.read(payload(req));
    IngestService.PostHogCapture capture =
        ingest.posthogCapture(
            body,
            query(req, "token", "api_key"),
            query(req, "_", "sent_at"),
            path.equals("/engage") ? "$set" : null);
    cors.allow(req, res, capture.product());
    IngestService.Outcome o = ingest.posthog(capture, path, received);
    if (responses.refusedWhole(res, o, "events")) {
      return;
    }
    if ("1".equals(query(req, "beacon"))) {
      res.status(204);
      res.send();
      return;
    }
    Map<String, Object> ok = new LinkedHashMap<>();
    ok.put("status", 1);
    ok.putAll(Responses.outcome(o));
    responses.json(res, 200, ok);
  }

  /** A stub a browser library reads at start; readable by the pages of any configured origin. */
  private void stub(Map<String, Object> answer, ServerRequest req, ServerResponse res) {
    cors.allowAnyConfigured(req, res);
    responses.json(res, 200, answer);
  }

  /**
   * The JSON bytes of a capture request, however PostHog's clients wrapped them.
   *
   * @throws Refusal 400 for an empty payload, bad base64 or gzip, an unsupported compression; 413
   *     past the limits; 415 for a media type no PostHog client sends
   */
  private byte[] payload(ServerRequest req) throws IOException {
    String type = mediaType(req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null));
    String contentEncoding = req.headers().first(HeaderNames.CONTENT_ENCODING).orElse(null);
    byte[] bytes;
    String data = query(req, "data");
    if (data != null) {
      bytes = plusForSpaces(data).getBytes(StandardCharsets.UTF_8);
      contentEncoding = null;
    } else {
      requireKnownType(type);
      long length = req.headers().contentLength().orElse(-1);
      try (InputStream in = deadlines.body(req)) {
        bytes = bodies.read(in, length, contentEncoding);
      }
    }
    if (bytes.length == 0) {
      throw new Refusal(
          Kind.BAD_REQUEST, "empty_payload", "no payload: neither a body nor a data parameter");
    }
    String formCompression = null;
    if (type.equals(FORM) || startsWith(bytes, "data=")) {
      Map<String, String> form = form(new String(bytes, StandardCharsets.UTF_8));
      String field = form.get("data");
      if (field == null || field.isEmpty()) {
        throw new Refusal(
            Kind.BAD_REQUEST, "empty_payload", "the form has no data field with the events");
      }
      bytes = plusForSpaces(field).getBytes(StandardCharsets.UTF_8);
      formCompression = form.get("compression");
    } else if (looksLikeBase64(bytes)) {
      bytes = base64(bytes);
    }
    String hint = query(req, "compression");
    if (hint == null) {
      hint = formCompression;
    }
    boolean headerGzip =
        contentEncoding != null && contentEncoding.toLowerCase(Locale.ROOT).contains("gzip");
    boolean gzipped = false;
    switch (hint == null ? "" : hint.strip().toLowerCase(Locale.ROOT)) {
      case "gzip", "gzip-js" -> {
        if (!headerGzip || gzipMagic(bytes)) {
          bytes = bodies.gunzip(bytes);
          gzipped = true;
        }
      }
      case "lz64", "lz-string" ->
          throw new Refusal(
              Kind.BAD_REQUEST,
              "unsupported_compression",
              "lz64 (lz-string) compression is not supported; posthog-js sends gzip-js since"
                  + " 1.x: upgrade it, or set disable_compression");
      case "base64", "b64" -> {
        if (looksLikeBase64(bytes)) {
          bytes = base64(bytes);
        }
      }
      default -> {}
    }
    if (!gzipped && gzipMagic(bytes)) {
      bytes = bodies.gunzip(bytes);
    }
    if (looksLikeBase64(bytes)) {
      bytes = base64(bytes);
    }
    return bytes;
  }

  private static String mediaType(String contentType) {
    return contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
  }

  private static void requireKnownType(String type) {
    switch (type) {
      case "", "application/json", "text/plain", FORM, "application/octet-stream" -> {}
      default -> {
        if (!type.endsWith("+json")) {
          throw new Refusal(
              Kind.UNSUPPORTED_MEDIA_TYPE,
              "unsupported_media_type",
              "PostHog capture takes application/json, text/plain or "
                  + FORM
                  + ", not '"
                  + type.replaceAll("[^\\x20-\\x7e]", "?")
                  + "'");
        }
      }
    }
  }

  /** The first non-empty value of the query parameters, in order. */
  private static String query(ServerRequest req, String... names) {
    for (String name : names) {
      String v = req.query().first(name).orElse(null);
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return null;
  }

  private static Map<String, String> form(String body) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String pair : body.split("&", -1)) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        fields.putIfAbsent(
            URLDecoder.decode(key, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException badEscape) {
        throw new Refusal(
            Kind.BAD_REQUEST, "invalid_form", "the form body has an invalid %-escape");
      }
    }
    return fields;
  }

  /** URL decoding turns base64's '+' into spaces: back, when that makes base64. */
  private static String plusForSpaces(String s) {
    String plus = s.replace(' ', '+');
    return plus.equals(s) || !looksLikeBase64(plus.getBytes(StandardCharsets.ISO_8859_1))
        ? s
        : plus;
  }

  private static boolean startsWith(byte[] bytes, String prefix) {
    if (bytes.length < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (bytes[i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean gzipMagic(byte[] b) {
    return b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b;
  }

  /** Strict base64: its alphabet only, whole quads; JSON never is (it starts with a bracket). */
  private static boolean looksLikeBase64(byte[] b) {
    if (b.length < 4 || b.length % 4 != 0) {
      return false;
    }
    return BASE64.matcher(new String(b, StandardCharsets.ISO_8859_1)).matches();
  }

  private static byte[] base64(byte[] b) {
    try {
      return Base64.getDecoder().decode(b);
    } catch (IllegalArgumentException e) {
      throw new Refusal(Kind.BAD_REQUEST, "invalid_base64", "the payload is not valid base64");
    }
  }
}
