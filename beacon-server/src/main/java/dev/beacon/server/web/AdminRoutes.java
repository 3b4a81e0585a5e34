package dev.beacon.server.web;

import dev.beacon.server.auth.AdminAuth;
import dev.beacon.server.auth.ProductRegistry;
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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/** The read-only query API (and quarantine replay), behind the admin's HTTP Basic credentials. */
final class AdminRoutes implements HttpService {
  private final ServerConfig config;
  private final ProductRegistry products;
  private final EventStore store;
  private final IngestService ingest;
  private final AdminAuth auth;
  private final Responses responses;
  private final Sessions sessions;

  private final LoginLimiter logins;
  private final RequestDeadlines deadlines;

  static final io.helidon.http.HeaderName CSRF_HEADER =
      io.helidon.http.HeaderNames.create("X-CSRF-Token");
  private static final com.fasterxml.jackson.databind.ObjectMapper LOGIN_JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  AdminRoutes(
      ServerConfig config,
      ProductRegistry products,
      EventStore store,
      IngestService ingest,
      AdminAuth auth,
      Responses responses,
      RequestDeadlines deadlines,
      LongSupplier nanoTime) {
    this.config = config;
    this.deadlines = deadlines;
    this.sessions =
        new Sessions(config.web().sessions().lifetime(), config.web().sessions().idle(), nanoTime);
    this.logins = new LoginLimiter(config.web().logins(), nanoTime);
    this.products = products;
    this.store = store;
    this.ingest = ingest;
    this.auth = auth;
    this.responses = responses;
  }

  @Override
  public void routing(HttpRules rules) {
    rules.post("/api/v1/session", this::login);
    rules.get("/api/v1/session", this::whoami);
    rules.delete("/api/v1/session", admin(this::logout));
    rules.get("/api/v1/products", admin(this::products));
    rules.get("/api/v1/products/{product}/summary", admin(this::summary));
    rules.get("/api/v1/products/{product}/quarantine", admin(this::quarantine));
    rules.post("/api/v1/products/{product}/quarantine/{id}/replay", admin(this::replay));
    rules.post("/api/v1/products", admin(this::createProduct));
    rules.post("/api/v1/products/{product}/rotate", admin(this::rotateKey));
    rules.delete("/api/v1/products/{product}", admin(this::revokeProduct));
    rules.put("/api/v1/settings", admin(this::updateSettings));
    new QueryRoutes(products, store, responses).routing(rules, this);
  }

  /**
   * Admin only: a dashboard session (its cookie, and for a state-changing request the CSRF token in
   * {@code X-CSRF-Token}), or HTTP Basic for API clients (refused from another site's page).
   */
  Handler admin(Handler inner) {
    return (req, res) -> {
      boolean changes = !req.prologue().method().text().equals("GET");
      Sessions.Session session =
          sessions.find(
              Sessions.fromCookieHeader(req.headers().first(HeaderNames.COOKIE).orElse(null)));
      if (session != null) {
        if (changes
            && !Sessions.csrfMatches(session, req.headers().first(CSRF_HEADER).orElse(null))) {
          throw new IngestException(
              Problem.FORBIDDEN,
              "csrf",
              "a state-changing request needs the session's X-CSRF-Token");
        }
        inner.handle(req, res);
        return;
      }
      String authorization = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
      if (authorization == null
          || !checkPassword(req, () -> auth.allows(authorization), "too many password checks")) {
        throw new IngestException(
            Problem.UNAUTHORIZED,
            "unauthorized",
            "admin credentials required (HTTP Basic, user admin)");
      }
      if (changes && req.headers().first(HeaderNames.ORIGIN).isPresent()) {
        // A browser page sends Origin; a page of another site must not ride on cached credentials.
        throw new IngestException(
            Problem.FORBIDDEN,
            "cross_origin",
            "use a dashboard session for changes from a browser");
      }
      inner.handle(req, res);
    };
  }

  /**
   * One check of the admin password under the login limit (which refuses with 429 before it runs).
   */
  private boolean checkPassword(ServerRequest req, BooleanSupplier check, String busyMessage) {
    LoginLimiter.Attempt attempt = logins.begin(clientAddress(req));
    boolean ok;
    try {
      ok = check.getAsBoolean();
    } catch (AdminAuth.TooManyAttempts busy) {
      attempt.notChecked();
      throw new IngestException(
          Problem.RATE_LIMITED, "too_many_attempts", busyMessage + " at once; retry", 1);
    }
    if (ok) {
      attempt.succeeded();
    } else {
      attempt.failed();
    }
    return ok;
  }

  private static InetAddress clientAddress(ServerRequest req) {
    return ((InetSocketAddress) req.remotePeer().address()).getAddress();
  }

  /**
   * The dashboard's login. Only {@code application/json} is read, so that another site's page
   * cannot post it without a CORS preflight; a body without a password is refused before the limit
   * counts anything.
   */
  private void login(ServerRequest req, ServerResponse res) throws java.io.IOException {
    String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
    if (!type.split(";", 2)[0].strip().equalsIgnoreCase("application/json")) {
      throw new IngestException(
          Problem.UNSUPPORTED_MEDIA_TYPE,
          "unsupported_media_type",
          "send the login as Content-Type: application/json");
    }
    com.fasterxml.jackson.databind.JsonNode password;
    try (java.io.InputStream in = deadlines.body(req)) {
      password = LOGIN_JSON.readTree(in.readNBytes(4096)).path("password");
    } catch (java.io.IOException | RuntimeException e) {
      password = null;
    }
    if (password == null || !password.isTextual()) {
      throw new IngestException(
          Problem.BAD_REQUEST, "invalid_login", "send {\"password\": \"...\"}");
    }
    String given = password.asText();
    if (!checkPassword(req, () -> auth.allowsPassword(given), "too many attempts")) {
      throw new IngestException(Problem.UNAUTHORIZED, "invalid_password", "wrong password");
    }
    String[] opened = sessions.open();
    res.header(HeaderNames.SET_COOKIE, cookie(opened[0], sessions.cookieMaxAgeSeconds()));
    responses.json(res, 200, Map.of("csrf", opened[1]));
  }

  private void whoami(ServerRequest req, ServerResponse res) {
    Sessions.Session s =
        sessions.find(
            Sessions.fromCookieHeader(req.headers().first(HeaderNames.COOKIE).orElse(null)));
    if (s == null) {
      responses.json(res, 200, Map.of("logged_in", false));
      return;
    }
    responses.json(res, 200, Map.of("logged_in", true, "csrf", s.csrf(), "user", AdminAuth.USER));
  }

  private void logout(ServerRequest req, ServerResponse res) {
    sessions.close(Sessions.fromCookieHeader(req.headers().first(HeaderNames.COOKIE).orElse(null)));
    res.header(HeaderNames.SET_COOKIE, cookie("", 0));
    responses.json(res, 200, Map.of("logged_out", true));
  }

  private String cookie(String value, long maxAgeSeconds) {
    return Sessions.COOKIE
        + "="
        + value
        + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
        + maxAgeSeconds
        + (config.tls() ? "; Secure" : "");
  }

  private String product(ServerRequest req) {
    return knownProduct(req, products);
  }

  /** The {@code product} path parameter, if such a product exists; else 404. */
  static String knownProduct(ServerRequest req, ProductRegistry products) {
    String p = req.path().pathParameters().get("product");
    if (!products.exists(p)) {
      throw new IngestException(
          Problem.NOT_FOUND, "unknown_product", "no product named '" + p + "'");
    }
    return p;
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

  private void createProduct(ServerRequest req, ServerResponse res) throws java.io.IOException {
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

  private void updateSettings(ServerRequest req, ServerResponse res) throws java.io.IOException {
    com.fasterxml.jackson.databind.JsonNode b = body(req);
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

  private static <T> T registryChange(java.util.function.Supplier<T> change) {
    try {
      return change.get();
    } catch (IllegalArgumentException e) {
      throw new IngestException(Problem.BAD_REQUEST, "invalid_setting", e.getMessage());
    } catch (IllegalStateException e) {
      throw new IngestException(Problem.CONFLICT, "conflict", e.getMessage());
    }
  }

  private com.fasterxml.jackson.databind.JsonNode body(ServerRequest req)
      throws java.io.IOException {
    try (java.io.InputStream in = deadlines.body(req)) {
      return LOGIN_JSON.readTree(in.readNBytes(16 * 1024));
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IngestException(
          Problem.BAD_REQUEST, "invalid_json", "the body must be a JSON object");
    }
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
