package dev.beacon.server.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.protocol.Wire;
import dev.beacon.server.Refusal;
import dev.beacon.server.ingest.IngestService;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every answer is JSON, and the one place that maps a refusal to its HTTP status. Nothing from a
 * stack trace reaches a response.
 */
final class Responses {
  private final ObjectMapper mapper;

  Responses(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  void json(ServerResponse res, int status, Object body) {
    byte[] bytes;
    try {
      bytes = mapper.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      status = 500;
      bytes =
          "{\"error\":\"internal\",\"message\":\"could not write the answer\"}"
              .getBytes(StandardCharsets.UTF_8);
    }
    res.status(status);
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.send(bytes);
  }

  /**
   * @param challenge whether a 401 asks for HTTP Basic: not for the dashboard's own requests, for
   *     which a browser would open its password dialog instead of the page's login form
   */
  void error(ServerResponse res, Refusal e, boolean challenge) {
    int status = status(e.kind());
    if (e.retryAfterSeconds() > 0) {
      res.header(HeaderNames.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
    }
    if (status == 401 && challenge) {
      res.header(HeaderNames.WWW_AUTHENTICATE, "Basic realm=\"beacon\"");
    }
    json(res, status, error(e.code(), e.getMessage()));
  }

  static Map<String, Object> error(String code, String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("error", code);
    m.put("message", message);
    return m;
  }

  static int status(Refusal.Kind p) {
    return switch (p) {
      case BAD_REQUEST -> 400;
      case UNAUTHORIZED -> 401;
      case FORBIDDEN -> 403;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case TOO_LARGE -> 413;
      case UNSUPPORTED_MEDIA_TYPE -> 415;
      case RATE_LIMITED -> 429;
      case OVERLOADED -> 503;
    };
  }

  /**
   * Answers 400 when every event of an ingest request was refused (it is refused as a whole, so the
   * answer carries an error like every other refusal, beside what happened to each event).
   *
   * @param what the request's events, for the message ("events of the batch")
   * @return whether it answered
   */
  boolean refusedWhole(ServerResponse res, IngestService.Outcome o, String what) {
    if (!o.nothingAccepted() || o.rejected().isEmpty()) {
      return false;
    }
    Map<String, Object> refused =
        error(
            "invalid_events",
            "all "
                + o.rejected().size()
                + " "
                + what
                + " were refused (see rejected); the first: "
                + o.rejected().get(0).reason());
    refused.putAll(outcome(o));
    json(res, 400, refused);
    return true;
  }

  /** What an ingest request got: accepted, duplicates, and each refused event with why. */
  static Map<String, Object> outcome(IngestService.Outcome o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("success", o.rejected().isEmpty());
    m.put("accepted", o.accepted());
    m.put("duplicates", o.duplicates());
    List<Map<String, Object>> rejected = new ArrayList<>();
    for (IngestService.Rejected r : o.rejected()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("index", r.index());
      e.put(Wire.MESSAGE_ID, r.messageId());
      e.put("reason", r.reason());
      e.put("quarantineId", r.quarantineId() > 0 ? r.quarantineId() : null);
      rejected.add(e);
    }
    m.put("rejected", rejected);
    return m;
  }
}
