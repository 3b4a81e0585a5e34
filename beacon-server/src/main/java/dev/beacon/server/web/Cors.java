package dev.beacon.server.web;

import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * CORS for browser senders on the ingest paths. A page may send only when its origin is listed in
 * its product's {@code browser_origins} (none by default). A preflight carries no credentials, so
 * it is answered for an origin that some product lists; the request itself is then refused (403,
 * nothing stored) unless its own product lists the origin. A browser always sends {@code Origin}
 * and a page cannot forge it, so this holds for {@code text/plain} posts and {@code sendBeacon}
 * too, which have no preflight. Servers and CLIs send no {@code Origin} and are not concerned.
 */
final class Cors {
  private static final HeaderName ALLOW_ORIGIN = HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN;
  private static final Pattern HEADER_LIST = Pattern.compile("[A-Za-z0-9, -]{0,512}");

  /** Request headers a page may send: what the browser clients of each protocol use. */
  private static final String ALLOWED_HEADERS =
      "Content-Type, Content-Encoding, Authorization, X-Beacon-Key";

  private final Map<String, List<String>> byProduct;
  private final Set<String> any = new HashSet<>();

  Cors(Map<String, List<String>> byProduct) {
    this.byProduct = Map.copyOf(byProduct);
    byProduct.values().forEach(any::addAll);
  }

  /** {@code OPTIONS} on an ingest path. */
  void preflight(ServerRequest req, ServerResponse res) {
    String origin = origin(req);
    if (origin == null || !any.contains(origin)) {
      throw new Refusal(
          Kind.FORBIDDEN,
          "origin_not_allowed",
          origin == null
              ? "a preflight without an Origin: nothing to allow"
              : "no product takes events from this origin; list it in"
                  + " products.<product>.browser_origins");
    }
    res.status(204);
    res.header(ALLOW_ORIGIN, origin);
    res.header(HeaderNames.VARY, "Origin");
    res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "POST, GET, OPTIONS");
    String asked =
        req.headers().first(HeaderNames.ACCESS_CONTROL_REQUEST_HEADERS).orElse("").strip();
    res.header(
        HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS,
        asked.isEmpty() || !HEADER_LIST.matcher(asked).matches()
            ? ALLOWED_HEADERS
            : ALLOWED_HEADERS + ", " + asked);
    res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
    res.send();
  }

  /**
   * A request of {@code product}: from a browser, allowed only for the product's origins; the
   * answer then names the origin so that the page can read it.
   */
  void allow(ServerRequest req, ServerResponse res, String product) {
    String origin = origin(req);
    if (origin == null && !req.headers().contains(HeaderNames.ORIGIN)) {
      return;
    }
    if (origin == null || !byProduct.getOrDefault(product, List.of()).contains(origin)) {
      throw new Refusal(
          Kind.FORBIDDEN,
          "origin_not_allowed",
          "this product takes no events from pages of this origin; list it in products."
              + product
              + ".browser_origins");
    }
    res.header(ALLOW_ORIGIN, origin);
    res.header(HeaderNames.VARY, "Origin");
  }

  /**
   * A stub a library reads at start (PostHog's flags and config): readable by the pages of any
   * origin a product lists; it holds nothing of any product.
   */
  void allowAnyConfigured(ServerRequest req, ServerResponse res) {
    String origin = origin(req);
    if (origin != null && any.contains(origin)) {
      res.header(ALLOW_ORIGIN, origin);
      res.header(HeaderNames.VARY, "Origin");
    }
  }

  /** The request's origin, lower case; null when absent or {@code null} (an opaque origin). */
  private static String origin(ServerRequest req) {
    String o = req.headers().first(HeaderNames.ORIGIN).orElse(null);
    if (o == null || o.isBlank() || o.strip().equals("null")) {
      return null;
    }
    return o.strip().toLowerCase(Locale.ROOT);
  }
}
