package dev.beacon.server.storage;

import static dev.beacon.server.storage.RollupDelta.LOGIN;
import static dev.beacon.server.storage.RollupDelta.MEMBERS;
import static dev.beacon.server.storage.RollupDelta.UI;
import static dev.beacon.server.storage.RollupDelta.UI_PAGE;

import dev.beacon.server.storage.FleetQueries.Filter;
import java.util.ArrayList;
import java.util.List;

/**
 * The product web UI (beacon.js) from the rollups: page views, logins and the installations whose
 * UI was used, per day; its route templates, most viewed first, and the top ones per day.
 */
public final class WebUiTrends extends TrendReads {
  WebUiTrends(SqlReads.Connector connector, FleetQueries fleet) {
    super(connector, fleet);
  }

  /**
   * The web UI (beacon.js) per day: page views, logins, and the installations whose UI sent any
   * event that day.
   */
  public Table perDay(Filter f) {
    List<Object> params = FleetQueries.windowParams(f, UI_PAGE, UI);
    params.addAll(
        List.of(f.product(), MEMBERS, UI, FleetQueries.scope(f), FleetQueries.firstDay(f.since())));
    String sql =
        "SELECT coalesce(c.day, m.day) AS day, coalesce(c.page_views, 0) AS page_views,"
            + " coalesce(c.logins, 0) AS logins, coalesce(m.installations, 0) AS installations"
            + " FROM (SELECT day, CAST(sum(CASE WHEN family = '"
            + UI_PAGE
            + "' THEN n ELSE 0 END) AS BIGINT) AS page_views, CAST(sum(CASE WHEN family = '"
            + UI
            + "' AND name = '"
            + LOGIN
            + "' THEN n ELSE 0 END) AS BIGINT) AS logins FROM rollup_counts WHERE product = ?"
            + " AND family IN (?, ?) AND day >= ?"
            + FleetQueries.versionScope(f)
            + " GROUP BY day) c FULL OUTER JOIN (SELECT day, CAST(n AS BIGINT) AS installations"
            + " FROM rollup_counts WHERE product = ? AND family = ? AND name = ? AND scope = ?"
            + " AND day >= ?) m ON m.day = c.day ORDER BY 1";
    return run(List.of("day", "page_views", "logins", "installations"), sql, params);
  }

  /**
   * The web UI's route templates in the window, most viewed first: page views, and the
   * installations whose UI showed each (a route shown by fewer than the minimum is left out).
   */
  public Table routes(Filter f) {
    return countedWithInstallations(f, UI_PAGE, "route", "views");
  }

  /** Page views per day of the {@value #TOP_ROUTES} routes {@link #routes} lists first. */
  public Table routesOverTime(Filter f) {
    List<Object> top = new ArrayList<>();
    for (List<Object> r : routes(f).rows()) {
      if (top.size() < TOP_ROUTES) {
        top.add(r.get(0));
      }
    }
    if (top.isEmpty()) {
      return new Table(List.of("day", "route", "views"), List.of());
    }
    List<Object> params = FleetQueries.windowParams(f, UI_PAGE);
    params.addAll(top);
    String sql =
        "SELECT day, name AS route, CAST(sum(n) AS BIGINT) AS views FROM rollup_counts"
            + " WHERE product = ? AND family = ? AND day >= ?"
            + FleetQueries.versionScope(f)
            + " AND name IN ("
            + "?, ".repeat(top.size() - 1)
            + "?) GROUP BY 1, 2 ORDER BY 1, 2";
    return run(List.of("day", "route", "views"), sql, params);
  }

  /** Routes {@link #routesOverTime} draws. */
  static final int TOP_ROUTES = 8;
}
