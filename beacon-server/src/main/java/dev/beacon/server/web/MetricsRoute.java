package dev.beacon.server.web;

import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.config.ServerConfig;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * {@code GET /metrics}, Prometheus text. It lists every product name (dashboard-made ones may be
 * customer names) and their volumes, so it is not public: a scraper sends {@code Authorization:
 * Bearer <metrics.token>}, or the admin's credentials like any admin route.
 */
final class MetricsRoute {
  private static final String BEARER = "Bearer ";

  private MetricsRoute() {}

  static void register(
      HttpRouting.Builder routing,
      ServerConfig.Metrics config,
      PrometheusMeterRegistry registry,
      AdminAccess admin) {
    if (!config.enabled()) {
      return; // no route: 404
    }
    Handler scrape =
        (req, res) -> {
          res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
          res.send(registry.scrape());
        };
    Handler asAdmin = admin.admin(scrape);
    byte[] token = config.token() == null ? null : config.token().getBytes(StandardCharsets.UTF_8);
    routing.get(
        "/metrics",
        (req, res) -> {
          String authorization = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
          if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, 7)) {
            asAdmin.handle(req, res);
            return;
          }
          byte[] presented =
              authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
          if (token == null || !MessageDigest.isEqual(token, presented)) {
            throw new Refusal(
                Kind.UNAUTHORIZED,
                "unauthorized",
                token == null
                    ? "no metrics.token is configured: use the admin's credentials"
                    : "wrong metrics token");
          }
          scrape.handle(req, res);
        });
  }
}
