package dev.beacon.server.web;

import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.auth.ApiToken;
import dev.beacon.server.auth.ProductRegistry;
import dev.beacon.server.export.Csv;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.FleetQueries;
import dev.beacon.server.storage.Table;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * The read-only query API under {@code /api/v1/products/{product}/fleet/...}: every figure the
 * dashboard shows, as JSON ({@code {"columns": [...], "rows": [[...]]}}) or CSV ({@code
 * format=csv}), filtered by {@code days} (30) and {@code version}. The admin, or an API token for
 * the product (see {@link AdminAccess#reader}).
 */
final class QueryRoutes implements HttpService {
  private final ProductRegistry products;
  private final EventStore store;
  private final AdminAccess admin;
  private final Responses responses;

  QueryRoutes(ProductRegistry products, EventStore store, AdminAccess admin, Responses responses) {
    this.products = products;
    this.store = store;
    this.admin = admin;
    this.responses = responses;
  }

  @Override
  public void routing(HttpRules rules) {
    route(rules, "active", (q, r) -> q.active(filter(r)));
    route(rules, "new-lost", (q, r) -> q.newAndLost(filter(r)));
    route(rules, "versions", (q, r) -> q.versionsOverTime(filter(r)));
    route(rules, "breakdown", (q, r) -> q.breakdown(filter(r), by(r)));
    route(rules, "clusters", (q, r) -> q.clusterSizes(filter(r)));
    route(rules, "adoption", (q, r) -> q.adoption(filter(r)));
    route(rules, "field", (q, r) -> q.field(filter(r), path(r)));
    route(rules, "commands", (q, r) -> q.commands().byCommand(filter(r)));
    route(rules, "options", (q, r) -> q.commands().optionUse(filter(r)));
    route(rules, "health", (q, r) -> q.commands().unhealthyUnits(filter(r)));
    route(rules, "web-ui", (q, r) -> q.webUi().perDay(filter(r)));
    route(rules, "ui-routes", (q, r) -> q.webUi().routes(filter(r)));
    route(rules, "ui-routes-daily", (q, r) -> q.webUi().routesOverTime(filter(r)));
    route(rules, "activity", (q, r) -> q.trends().activity(filter(r)));
    route(rules, "growth", (q, r) -> q.trends().growth(filter(r)));
    route(rules, "version-share", (q, r) -> q.releases().versionShare(filter(r)));
    route(rules, "releases", (q, r) -> q.releases().releases(filter(r)));
    route(rules, "upgrades", (q, r) -> q.releases().upgrades(filter(r)));
    route(rules, "retention", (q, r) -> q.retention().retention(filter(r)));
    route(rules, "feature-trend", (q, r) -> q.features().featureTrend(filter(r)));
    route(rules, "feature-versions", (q, r) -> q.features().featureVersions(filter(r)));
    route(rules, "command-trend", (q, r) -> q.commands().commandTrend(filter(r)));
    route(rules, "command-versions", (q, r) -> q.commands().commandVersions(filter(r)));
    route(rules, "exit-codes", (q, r) -> q.commands().exitCodes(filter(r)));
    route(rules, "health-units", (q, r) -> q.commands().healthUnits(filter(r)));
  }

  private void route(
      HttpRules rules, String name, BiFunction<FleetQueries, ServerRequest, Table> query) {
    rules.get(
        "/api/v1/products/{product}/fleet/" + name,
        admin.reader(
            ApiToken.READ, (req, res) -> answer(req, res, name, query.apply(store.fleet(), req))));
  }

  private FleetQueries.Filter filter(ServerRequest req) {
    String product = RequestParams.knownProduct(req, products);
    int days = RequestParams.intParam(req, "days", 30, 1, 3650);
    String version = req.query().first("version").orElse(null);
    if (version != null && (version.isBlank() || version.length() > 256)) {
      throw new Refusal(
          Kind.BAD_REQUEST, "invalid_parameter", "version must be 1 to 256 characters");
    }
    return new FleetQueries.Filter(
        product, FleetQueries.windowStart(days), version, products.minInstallations());
  }

  private static String by(ServerRequest req) {
    String by = req.query().first("by").orElse("os");
    if (!FleetQueries.BREAKDOWNS.contains(by)) {
      throw new Refusal(
          Kind.BAD_REQUEST,
          "invalid_parameter",
          "by must be one of " + new TreeSet<>(FleetQueries.BREAKDOWNS));
    }
    return by;
  }

  private static String path(ServerRequest req) {
    String path = req.query().first("path").orElse("");
    try {
      FleetQueries.checkPath(path);
    } catch (IllegalArgumentException e) {
      throw new Refusal(Kind.BAD_REQUEST, "invalid_parameter", e.getMessage());
    }
    return path;
  }

  private void answer(ServerRequest req, ServerResponse res, String name, Table t) {
    if ("csv".equals(req.query().first("format").orElse("json"))) {
      res.header(HeaderNames.CONTENT_TYPE, "text/csv; charset=utf-8");
      res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + name + ".csv\"");
      res.send(csv(t).getBytes(StandardCharsets.UTF_8));
      return;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("columns", t.columns());
    m.put("rows", t.rows());
    responses.json(res, 200, m);
  }

  /** The table as CSV (see {@link Csv}). */
  static String csv(Table t) {
    StringBuilder sb = new StringBuilder();
    Csv.line(sb, t.columns());
    for (List<Object> row : t.rows()) {
      Csv.line(sb, row);
    }
    return sb.toString();
  }
}
