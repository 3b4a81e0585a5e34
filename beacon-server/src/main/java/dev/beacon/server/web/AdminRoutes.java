package dev.beacon.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.auth.ApiToken;
import dev.beacon.server.auth.ProductRegistry;
import dev.beacon.server.ingest.IngestService;
import dev.beacon.server.ingest.JsonReader;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.FleetQueries;
import dev.beacon.server.storage.QuarantinedEvent;
import dev.beacon.server.storage.Summary;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The admin API, which reads and changes: products (list, create, rotate a write key, revoke), the
 * settings the dashboard may change, API tokens (list, create, revoke), summaries (API tokens may
 * read them too), and the quarantine (list, read, replay). Every route is behind {@link
 * AdminAccess}; the fleet queries are {@link QueryRoutes}.
 */
final class AdminRoutes implements HttpService {
  private final ProductRegistry products;
  private final EventStore store;
  private final IngestService ingest;
  private final AdminAccess access;
  private final Responses responses;
  private final RequestDeadlines deadlines;
  private final RefusalCounts refusals;

  private final JsonReader json;

  AdminRoutes(
      ProductRegistry products,
      EventStore store,
      IngestService ingest,
      AdminAccess access,
      JsonReader json,
      Responses responses,
      RequestDeadlines deadlines,
      RefusalCounts refusals) {
    this.products = products;
    this.store = store;
    this.ingest = ingest;
    this.access = access;
    this.json = json;
    this.responses = responses;
    this.deadlines = deadlines;
    this.refusals = refusals;
  }

  @Override
  public void routing(HttpRules rules) {
    rules.get("/api/v1/products", admin(this::products));
    rules.get("/api/v1/products/{product}/summary", access.reader(ApiToken.READ, this::summary));
    rules.get("/api/v1/products/{product}/quarantine", admin(this::quarantine));
    rules.get("/api/v1/products/{product}/quarantine/{id}", admin(this::quarantinedOne));
    rules.post("/api/v1/products/{product}/quarantine/{id}/replay", admin(this::replay));
    rules.post("/api/v1/products", admin(this::createProduct));
    rules.post("/api/v1/products/{product}/rotate", admin(this::rotateKey));
    rules.delete("/api/v1/products/{product}", admin(this::revokeProduct));
    rules.put("/api/v1/settings", admin(this::updateSettings));
    rules.get("/api/v1/tokens", admin(this::tokens));
    rules.post("/api/v1/tokens", admin(this::createToken));
    rules.delete("/api/v1/tokens/{id}", admin(this::revokeToken));
    rules.get(
        "/api/v1/refusals", admin((req, res) -> responses.json(res, 200, refusals.snapshot())));
  }

  private Handler admin(Handler inner) {
    return access.admin(inner);
  }

  private String product(ServerRequest req) {
    return RequestParams.knownProduct(req, products);
  }

  private void products(ServerRequest req, ServerResponse res) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<String> names = new ArrayList<>();
    List<Map<String, Object>> details = new ArrayList<>();
    for (ProductRegistry.Product p : products.products()) {
      names.add(p.name());
      details.add(
          Map.of("name", p.name(), "source", p.configured() ? "configuration" : "dashboard"));
    }
    m.put("products", names);
    m.put("details", details);
    m.put("min_installations", products.minInstallations());
    m.put("retention_days", products.retentionDays());
    Map<String, String> sources = new TreeMap<>(); // a configured value is read-only here
    products.settingSources().forEach((name, source) -> sources.put(name, source.label()));
    m.put("settings_sources", sources);
    responses.json(res, 200, m);
  }

  private void createProduct(ServerRequest req, ServerResponse res) throws IOException {
    String name = body(req).path("name").asText(null);
    String key = registryChange(() -> products.create(name));
    responses.json(res, 201, Map.of("name", name, "write_key", key));
  }

  private void rotateKey(ServerRequest req, ServerResponse res) {
    String name = req.path().pathParameters().get("product");
    String key = registryChange(() -> products.rotate(name));
    responses.json(res, 200, Map.of("name", name, "write_key", key));
  }

  private void revokeProduct(ServerRequest req, ServerResponse res) {
    String name = req.path().pathParameters().get("product");
    registryChange(
        () -> {
          products.revoke(name);
          return name;
        });
    responses.json(res, 200, Map.of("revoked", name));
  }

  private void updateSettings(ServerRequest req, ServerResponse res) throws IOException {
    JsonNode b = body(req);
    registryChange(
        () -> {
          products.settings(
              b.path("min_installations").asInt(products.minInstallations()),
              b.path("retention_days").asInt(products.retentionDays()));
          return "";
        });
    responses.json(
        res,
        200,
        Map.of(
            "min_installations",
            products.minInstallations(),
            "retention_days",
            products.retentionDays()));
  }

  private void tokens(ServerRequest req, ServerResponse res) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (ApiToken t : products.tokens()) {
      out.add(token(t));
    }
    responses.json(res, 200, Map.of("tokens", out));
  }

  /**
   * A new token: {@code {"name", "products": [...], "scopes": ["export", "erase"], "days": 90}};
   * the answer holds the token, once.
   */
  private void createToken(ServerRequest req, ServerResponse res) throws IOException {
    JsonNode b = body(req);
    List<String> forProducts = new ArrayList<>();
    Set<String> scopes = new TreeSet<>();
    if (!b.path("products").isArray()
        || (!b.path("scopes").isMissingNode() && !b.path("scopes").isArray())) {
      throw new Refusal(
          Kind.BAD_REQUEST,
          "invalid_setting",
          "send {\"name\": ..., \"products\": [...], \"scopes\": [\"export\", \"erase\"],"
              + " \"days\": 90}");
    }
    b.path("products").forEach(p -> forProducts.add(p.asText()));
    b.path("scopes").forEach(x -> scopes.add(x.asText()));
    Map.Entry<String, ApiToken> made =
        registryChange(
            () ->
                products.createToken(
                    b.path("name").asText(null), forProducts, scopes, b.path("days").asInt(90)));
    Map<String, Object> m = token(made.getValue());
    m.put("token", made.getKey());
    responses.json(res, 201, m);
  }

  private void revokeToken(ServerRequest req, ServerResponse res) {
    String id = req.path().pathParameters().get("id");
    registryChange(
        () -> {
          products.revokeToken(id);
          return id;
        });
    responses.json(res, 200, Map.of("revoked", id));
  }

  private static Map<String, Object> token(ApiToken t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", t.id());
    m.put("name", t.name());
    m.put("products", t.products());
    m.put("scopes", new TreeSet<>(t.scopes()));
    m.put("created", t.created().toString());
    m.put("expires", t.expires().toString());
    return m;
  }

  private static <T> T registryChange(Supplier<T> change) {
    try {
      return change.get();
    } catch (IllegalArgumentException e) {
      throw new Refusal(Kind.BAD_REQUEST, "invalid_setting", e.getMessage());
    } catch (IllegalStateException e) {
      throw new Refusal(Kind.CONFLICT, "conflict", e.getMessage());
    }
  }

  private JsonNode body(ServerRequest req) throws IOException {
    return RequestParams.smallJson(req, deadlines, json, 16 * 1024);
  }

  private void summary(ServerRequest req, ServerResponse res) {
    String product = product(req);
    int days = RequestParams.intParam(req, "days", 30, 1, 3650);
    Summary s = store.summary(product, FleetQueries.windowStart(days));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("product", product);
    m.put("days", days);
    m.put("active_installations", s.activeInstallations());
    m.put("events", s.events());
    m.put("versions", buckets(s.versions(), "version"));
    m.put("os", buckets(s.os(), "name"));
    responses.json(res, 200, m);
  }

  /** Most characters of an event's raw text in a listing; the whole of it is one GET away. */
  static final int LISTED_RAW_CHARS = 2048;

  /**
   * A page of the quarantine, newest first: {@code limit} (50, at most 100) events with an id below
   * {@code before}; each raw text cut to {@value #LISTED_RAW_CHARS} characters, so a page stays
   * small whatever was sent. {@code next_before} pages on.
   */
  private void quarantine(ServerRequest req, ServerResponse res) {
    String product = product(req);
    int limit = RequestParams.intParam(req, "limit", 50, 1, 100);
    long before = RequestParams.idParam(req, "before", Long.MAX_VALUE);
    List<QuarantinedEvent> page = store.quarantined(product, before, limit);
    List<Map<String, Object>> out = new ArrayList<>();
    for (QuarantinedEvent q : page) {
      Map<String, Object> m = quarantined(q);
      if (q.raw().length() > LISTED_RAW_CHARS) {
        m.put("raw", q.raw().substring(0, LISTED_RAW_CHARS));
        m.put("raw_truncated", true);
      }
      out.add(m);
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("product", product);
    answer.put("events", out);
    answer.put("next_before", page.size() == limit ? page.get(page.size() - 1).id() : null);
    responses.json(res, 200, answer);
  }

  private void quarantinedOne(ServerRequest req, ServerResponse res) {
    String product = product(req);
    long id = RequestParams.pathId(req);
    responses.json(res, 200, quarantined(ingest.quarantined(product, id)));
  }

  private static Map<String, Object> quarantined(QuarantinedEvent q) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", q.id());
    m.put("received_at", q.receivedAt().toString());
    m.put("reason", q.reason());
    m.put("raw", q.raw());
    m.put("raw_chars", q.raw().length());
    return m;
  }

  private void replay(ServerRequest req, ServerResponse res) {
    String product = product(req);
    long id = RequestParams.pathId(req);
    IngestService.Outcome o = ingest.replay(product, id);
    responses.json(res, o.rejected().isEmpty() ? 200 : 422, Responses.outcome(o));
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
}
