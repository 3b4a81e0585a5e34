package dev.beacon.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.auth.AdminAuth;
import dev.beacon.server.auth.ApiToken;
import dev.beacon.server.auth.ProductRegistry;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.ingest.JsonReader;
import dev.beacon.server.limits.LoginLimiter;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Who is the admin: the dashboard's sessions ({@code /api/v1/session}) and HTTP Basic for API
 * clients, every password check under one {@link LoginLimiter}; and who may read the query API
 * besides: a bearer of an API token for the product ({@link #reader}).
 */
final class AdminAccess {
  static final HeaderName CSRF_HEADER = HeaderNames.create("X-CSRF-Token");
  private static final String ACTOR = "beacon.actor";

  private final boolean tls;
  private final AdminAuth auth;
  private final ProductRegistry products;
  private final JsonReader json;
  private final Responses responses;
  private final RequestDeadlines deadlines;
  private final Sessions sessions;
  private final LoginLimiter logins;

  AdminAccess(
      ServerConfig config,
      AdminAuth auth,
      ProductRegistry products,
      JsonReader json,
      Responses responses,
      RequestDeadlines deadlines,
      LongSupplier nanoTime) {
    this.tls = config.tls();
    this.auth = auth;
    this.products = products;
    this.json = json;
    this.responses = responses;
    this.deadlines = deadlines;
    this.sessions =
        new Sessions(config.web().sessions().lifetime(), config.web().sessions().idle(), nanoTime);
    this.logins = new LoginLimiter(config.web().logins(), nanoTime);
  }

  void routing(HttpRules rules) {
    rules.post("/api/v1/session", this::login);
    rules.get("/api/v1/session", this::whoami);
    rules.delete("/api/v1/session", admin(this::logout));
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
          throw new Refusal(
              Kind.FORBIDDEN, "csrf", "a state-changing request needs the session's X-CSRF-Token");
        }
        req.context().register(ACTOR, "admin (dashboard)");
        inner.handle(req, res);
        return;
      }
      String authorization = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
      if (bearer(authorization) != null) {
        throw new Refusal(
            Kind.FORBIDDEN,
            "token_not_allowed",
            "an API token reads the query API only (fleet, summary; export and erase if its"
                + " scopes say so); this needs the admin");
      }
      if (authorization == null
          || !checkPassword(req, () -> auth.allows(authorization), "too many password checks")) {
        throw new Refusal(
            Kind.UNAUTHORIZED,
            "unauthorized",
            "admin credentials required (HTTP Basic, user admin)");
      }
      if (changes && req.headers().first(HeaderNames.ORIGIN).isPresent()) {
        // A browser page sends Origin; a page of another site must not ride on cached credentials.
        throw new Refusal(
            Kind.FORBIDDEN, "cross_origin", "use a dashboard session for changes from a browser");
      }
      req.context().register(ACTOR, "admin (HTTP Basic)");
      inner.handle(req, res);
    };
  }

  /**
   * The admin, or a bearer of an API token that may do {@code scope} ({@link ApiToken#READ}, {@link
   * ApiToken#EXPORT}, {@link ApiToken#ERASE}) on the request's {@code {product}}.
   */
  Handler reader(String scope, Handler inner) {
    Handler asAdmin = admin(inner);
    return (req, res) -> {
      String secret = bearer(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
      if (secret == null) {
        asAdmin.handle(req, res);
        return;
      }
      ApiToken t = products.token(secret);
      if (t == null) {
        throw new Refusal(Kind.UNAUTHORIZED, "unknown_token", "unknown or revoked API token");
      }
      Instant now = Instant.now();
      if (!now.isBefore(t.expires())) {
        throw new Refusal(
            Kind.UNAUTHORIZED, "token_expired", "the API token expired at " + t.expires());
      }
      String product = req.path().pathParameters().get("product");
      if (!t.allows(product, ApiToken.READ, now)) {
        throw new Refusal(
            Kind.FORBIDDEN, "token_not_allowed", "the API token may not read product " + product);
      }
      if (!t.allows(product, scope, now)) {
        throw new Refusal(
            Kind.FORBIDDEN,
            "token_not_allowed",
            "the API token may not " + scope + " (its scopes: read" + scopes(t) + ")");
      }
      req.context().register(ACTOR, "token " + t.name() + " (" + t.id() + ")");
      inner.handle(req, res);
    };
  }

  private static String scopes(ApiToken t) {
    StringBuilder sb = new StringBuilder();
    new TreeSet<>(t.scopes()).forEach(x -> sb.append(", ").append(x));
    return sb.toString();
  }

  /** The token of a {@code Bearer} authorization, or null. */
  private static String bearer(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return authorization.substring(7).strip();
  }

  /** Who made a request that {@link #admin} let through, as the audit log names them. */
  static String actor(ServerRequest req) {
    return req.context().get(ACTOR, String.class).orElse("unknown");
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
      throw new Refusal(Kind.RATE_LIMITED, "too_many_attempts", busyMessage + " at once; retry", 1);
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
  private void login(ServerRequest req, ServerResponse res) throws IOException {
    String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
    if (!type.split(";", 2)[0].strip().equalsIgnoreCase("application/json")) {
      throw new Refusal(
          Kind.UNSUPPORTED_MEDIA_TYPE,
          "unsupported_media_type",
          "send the login as Content-Type: application/json");
    }
    JsonNode password;
    try {
      password = RequestParams.smallJson(req, deadlines, json, 4096).path("password");
    } catch (IOException | RuntimeException e) {
      password = null;
    }
    if (password == null || !password.isTextual()) {
      throw new Refusal(Kind.BAD_REQUEST, "invalid_login", "send {\"password\": \"...\"}");
    }
    String given = password.asText();
    if (!checkPassword(req, () -> auth.allowsPassword(given), "too many attempts")) {
      throw new Refusal(Kind.UNAUTHORIZED, "invalid_password", "wrong password");
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
        + (tls ? "; Secure" : "");
  }
}
