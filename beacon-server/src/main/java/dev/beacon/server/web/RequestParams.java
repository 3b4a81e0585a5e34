package dev.beacon.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.auth.ProductRegistry;
import dev.beacon.server.ingest.JsonReader;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;

/**
 * What the admin and query routes read from a request: the product in the path, bounded numbers in
 * the query, a small JSON body. Each refuses with the parameter named.
 */
final class RequestParams {
  private RequestParams() {}

  /** The product named in the path, if such a product exists; else 404. */
  static String knownProduct(ServerRequest req, ProductRegistry products) {
    String p = req.path().pathParameters().get("product");
    if (!products.exists(p)) {
      throw new Refusal(Kind.NOT_FOUND, "unknown_product", "no product named '" + p + "'");
    }
    return p;
  }

  static int intParam(ServerRequest req, String name, int fallback, int min, int max) {
    var value = req.query().first(name);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      int v = Integer.parseInt(value.get());
      if (v < min || v > max) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new Refusal(
          Kind.BAD_REQUEST,
          "invalid_parameter",
          name + " must be a whole number from " + min + " to " + max);
    }
  }

  /** A quarantine id from the query, or {@code fallback} when absent. */
  static long idParam(ServerRequest req, String name, long fallback) {
    return req.query().first(name).map(RequestParams::id).orElse(fallback);
  }

  /** The {@code id} path parameter: a quarantine id. */
  static long pathId(ServerRequest req) {
    return id(req.path().pathParameters().get("id"));
  }

  private static long id(String value) {
    try {
      long v = Long.parseLong(value);
      if (v < 1) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new Refusal(
          Kind.BAD_REQUEST, "invalid_id", "a quarantine id is a positive whole number");
    }
  }

  /**
   * A small JSON body, read within the request's deadline and under the server's JSON limits, at
   * most {@code maxBytes} of it.
   */
  static JsonNode smallJson(
      ServerRequest req, RequestDeadlines deadlines, JsonReader json, int maxBytes)
      throws IOException {
    byte[] body;
    try (InputStream in = deadlines.body(req)) {
      body = in.readNBytes(maxBytes + 1);
    }
    if (body.length > maxBytes) {
      throw new Refusal(
          Kind.TOO_LARGE, "body_too_large", "the body is larger than " + maxBytes + " bytes");
    }
    return json.read(body);
  }
}
