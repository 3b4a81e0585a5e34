package dev.beacon.server.web;

import dev.beacon.server.auth.AdminAuth;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.ingest.IngestException;
import dev.beacon.server.ingest.IngestException.Problem;
import dev.beacon.server.ingest.IngestService;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.QuarantinedEvent;
import dev.beacon.server.storage.Summary;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The read-only query API (and quarantine replay), behind the admin's HTTP Basic credentials. */
final class AdminRoutes implements HttpService {
  private final ServerConfig config;
  private final EventStore store;
  private final IngestService ingest;
  private final AdminAuth auth;
  private final Responses responses;

  AdminRoutes(
      ServerConfig config,
      EventStore store,
      IngestService ingest,
      AdminAuth auth,
      Responses responses) {
    this.config = config;
    this.store = store;
    this.ingest = ingest;
    this.auth = auth;
    this.responses = responses;
  }

  @Override
  public void routing(HttpRules rules) {
    rules.get("/api/v1/products/{product}/summary", admin(this::summary));
    rules.get("/api/v1/products/{product}/quarantine", admin(this::quarantine));
    rules.post("/api/v1/products/{product}/quarantine/{id}/replay", admin(this::replay));
    new QueryRoutes(config, store, responses).routing(rules, this);
  }

  Handler admin(Handler inner) {
    return (req, res) -> {
      boolean allowed;
      try {
        allowed = auth.allows(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
      } catch (AdminAuth.TooManyAttempts busy) {
        throw new IngestException(
            Problem.RATE_LIMITED,
            "too_many_attempts",
            "too many password checks at once; retry",
            1);
      }
      if (!allowed) {
        throw new IngestException(
            Problem.UNAUTHORIZED,
            "unauthorized",
            "admin credentials required (HTTP Basic, user admin)");
      }
      inner.handle(req, res);
    };
  }

  private String product(ServerRequest req) {
    String p = req.path().pathParameters().get("product");
    if (!config.writeKeys().containsKey(p)) {
      throw new IngestException(
          Problem.NOT_FOUND, "unknown_product", "no product named '" + p + "'");
    }
    return p;
  }

  private void summary(ServerRequest req, ServerResponse res) {
    String product = product(req);
    int days = intParam(req, "days", 30, 1, 3650);
    Summary s = store.summary(product, Instant.now().minus(Duration.ofDays(days)));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("product", product);
    m.put("days", days);
    m.put("active_installations", s.activeInstallations());
    m.put("events", s.events());
    m.put("versions", buckets(s.versions(), "version"));
    m.put("os", buckets(s.os(), "name"));
    responses.json(res, 200, m);
  }

  private void quarantine(ServerRequest req, ServerResponse res) {
    String product = product(req);
    int limit = intParam(req, "limit", 100, 1, 1000);
    List<Map<String, Object>> out = new ArrayList<>();
    for (QuarantinedEvent q : store.quarantined(product, limit)) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", q.id());
      m.put("received_at", q.receivedAt().toString());
      m.put("reason", q.reason());
      m.put("raw", q.raw());
      out.add(m);
    }
    responses.json(res, 200, Map.of("product", product, "events", out));
  }

  private void replay(ServerRequest req, ServerResponse res) {
    String product = product(req);
    long id;
    try {
      id = Long.parseLong(req.path().pathParameters().get("id"));
    } catch (NumberFormatException e) {
      throw new IngestException(
          Problem.BAD_REQUEST, "invalid_id", "the quarantine id must be a number");
    }
    IngestService.Outcome o = ingest.replay(product, id);
    responses.json(res, o.rejected().isEmpty() ? 200 : 422, IngestRoutes.answer(o));
  }

  private static List<Map<String, Object>> buckets(List<Summary.Bucket> buckets, String key) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Summary.Bucket b : buckets) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(key, b.name());
      m.put("installations", b.installations());
      out.add(m);
    }
    return out;
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
      throw new IngestException(
          Problem.BAD_REQUEST,
          "invalid_parameter",
          name + " must be a whole number from " + min + " to " + max);
    }
  }
}
