package dev.beacon.server.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;

/**
 * Answers what Helidon refuses before any route runs (a body over its payload limit, a malformed
 * request line or header) with the same JSON error as every other answer, instead of an empty body.
 * The message is fixed per case: nothing of the request is echoed.
 */
final class JsonDirectHandler implements DirectHandler {
  private final ObjectMapper mapper;
  private final int maxRequestBytes;
  private final RefusalCounts refusals;

  JsonDirectHandler(ObjectMapper mapper, int maxRequestBytes, RefusalCounts refusals) {
    this.mapper = mapper;
    this.maxRequestBytes = maxRequestBytes;
    this.refusals = refusals;
  }

  @Override
  public TransportResponse handle(
      TransportRequest request,
      EventType eventType,
      Status status,
      ServerResponseHeaders headers,
      String message) {
    String code;
    String text;
    switch (status.code()) {
      case 413 -> {
        code = "body_too_large";
        text = "request body exceeds " + maxRequestBytes + " bytes";
        refusals.count(RefusalCounts.Reason.TOO_LARGE, code);
      }
      case 400 -> {
        code = "bad_request";
        text = "malformed HTTP request";
        refusals.count(RefusalCounts.Reason.MALFORMED, code);
      }
      case 500 -> {
        code = "internal";
        text = "internal error; see the server log";
      }
      case 503 -> { // server.max_concurrent_requests reached
        code = "overloaded";
        text = "the server is handling too many requests at once; retry";
        headers.set(HeaderNames.RETRY_AFTER, "1");
        refusals.count(RefusalCounts.Reason.OVERLOADED, code);
      }
      default -> {
        code = "http_" + status.code();
        text = status.reasonPhrase();
      }
    }
    byte[] body;
    try {
      body = mapper.writeValueAsBytes(Responses.error(code, text));
    } catch (JsonProcessingException e) {
      body = new byte[0];
    }
    headers.set(HeaderNames.CONTENT_TYPE, "application/json");
    headers.set(HeaderNames.CACHE_CONTROL, "no-store");
    return TransportResponse.builder().status(status).headers(headers).entity(body).build();
  }
}
