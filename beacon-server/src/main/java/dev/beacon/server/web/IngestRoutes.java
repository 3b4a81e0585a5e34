package dev.beacon.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.Wire;
import dev.beacon.server.ingest.BodyReader;
import dev.beacon.server.ingest.IngestService;
import dev.beacon.server.ingest.JsonReader;
import dev.beacon.server.limits.SourceKeys;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ingest endpoints of DESIGN §3: Segment-compatible {@code /v1/*} (Beacon SDK, Segment's
 * clients and analytics.js with its short paths, DC/OS Signal) and EMQX-compatible {@code
 * /api/telemetry}. Order of checks: media type, size, encoding, JSON, write key, rate, events; the
 * first failure answers.
 */
final class IngestRoutes implements HttpService {
  private final IngestService ingest;
  private final BodyReader bodies;
  private final JsonReader json;
  private final Responses responses;
  private final BodyReader reports;
  private final SourceKeys sources = new SourceKeys();
  private final RequestDeadlines deadlines;
  private final Cors cors;

  static final String PAGE = "page";
  static final String SCREEN = "screen";
  static final String ALIAS = "alias";

  IngestRoutes(
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
    this.reports = bodies.atMost(ingest.emqxMaxReportBytes());
    this.deadlines = deadlines;
    this.cors = cors;
  }

  /**
   * analytics.js's short paths (its {@code /v1/t}, {@code /v1/p}, ...), each the endpoint it stands
   * for.
   */
  static final Map<String, String> SHORT_PATHS =
      Map.of(
          "t", Wire.TRACK_ENDPOINT,
          "p", PAGE,
          "i", Wire.IDENTIFY_ENDPOINT,
          "g", Wire.GROUP_ENDPOINT,
          "a", ALIAS,
          "s", SCREEN,
          "b", Wire.BATCH);

  @Override
  public void routing(HttpRules rules) {
    Map<String, String> paths = new LinkedHashMap<>();
    for (String endpoint :
        List.of(
            Wire.BATCH,
            Wire.IMPORT_ENDPOINT,
            Wire.TRACK_ENDPOINT,
            Wire.IDENTIFY_ENDPOINT,
            Wire.GROUP_ENDPOINT,
            PAGE,
            SCREEN,
            ALIAS)) {
      paths.put(endpoint, endpoint);
    }
    paths.putAll(SHORT_PATHS);
    paths.forEach(
        (path, endpoint) -> {
          rules.post("/v1/" + path, (req, res) -> segment(endpoint, req, res));
          // Segment's own clients post to "/v1/import/" (a trailing slash) when given an endpoint.
          rules.post("/v1/" + path + "/", (req, res) -> segment(endpoint, req, res));
          rules.options("/v1/" + path, cors::preflight);
          rules.options("/v1/" + path + "/", cors::preflight);
        });
    rules.post(Wire.EMQX_PATH, this::emqx);
  }

  private void segment(String endpoint, ServerRequest req, ServerResponse res) throws IOException {
    Instant received = Instant.now();
    String basicUser = basicUser(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
    String product = null;
    String browser = ingest.browserProduct(basicUser);
    if (basicUser != null && browser == null) {
      product = ingest.authenticate(basicUser, null); // refuse early, before reading the body
    }
    JsonNode body = parse(req);
    if (product == null && browser == null) {
      browser = ingest.browserProduct(body.path(Wire.WRITE_KEY).textValue());
      if (browser == null) {
        product = ingest.authenticate(null, body);
      }
    }
    cors.allow(req, res, browser != null ? browser : product);
    IngestService.Outcome o =
        browser != null
            ? ingest.segmentFromBrowser(browser, endpoint, body, received)
            : ingest.segment(product, endpoint, body, received);
    if (responses.refusedWhole(res, o, "events of the batch")) {
      return;
    }
    responses.json(res, 200, Responses.outcome(o));
  }

  /**
   * No credentials here, so everything that can refuse is asked before the body is read: the
   * endpoint is configured, the sender and the endpoint are within their rates and the day's bytes,
   * the body is declared JSON (no cross-site {@code text/plain}), and it is small, as real reports
   * are.
   */
  private void emqx(ServerRequest req, ServerResponse res) throws IOException {
    ingest.admitEmqx(sources.of(((InetSocketAddress) req.remotePeer().address()).getAddress()));
    BodyReader.requireStrictJson(req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null));
    long length = req.headers().contentLength().orElse(-1);
    byte[] raw;
    try (InputStream in = deadlines.body(req)) {
      raw =
          reports.read(in, length, req.headers().first(HeaderNames.CONTENT_ENCODING).orElse(null));
    }
    IngestService.Outcome o = ingest.emqx(json.read(raw), raw, Instant.now());
    responses.json(res, 200, Responses.outcome(o));
  }

  private JsonNode parse(ServerRequest req) throws IOException {
    return json.read(read(req));
  }

  private byte[] read(ServerRequest req) throws IOException {
    BodyReader.requireJson(req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null));
    long length = req.headers().contentLength().orElse(-1);
    try (InputStream in = deadlines.body(req)) {
      return bodies.read(
          in, length, req.headers().first(HeaderNames.CONTENT_ENCODING).orElse(null));
    }
  }

  /** The user of an HTTP Basic header (the write key), or null. */
  static String basicUser(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    try {
      String decoded =
          new String(
              Base64.getDecoder().decode(authorization.substring(6).strip()),
              StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      return colon < 0 ? decoded : decoded.substring(0, colon);
    } catch (IllegalArgumentException notBase64) {
      return "";
    }
  }
}
