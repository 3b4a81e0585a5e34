package dev.beacon.server.storage;

import java.util.List;

/**
 * What the dashboard's questions over time share ({@link FleetTrends}, {@link ReleaseTrends},
 * {@link RetentionTrends}, {@link FeatureTrends}, {@link CommandTrends}, {@link WebUiTrends}): they
 * read the rollups like {@link FleetQueries}, through the same connection, and most cost what the
 * days and names of their window cost (distinct installations are sums of the seen rows counted by
 * day); activity, retention and upgrade paths read a row or a few per installation. Most are summed
 * in SQL to a row per day.
 */
abstract class TrendReads {
  /**
   * What {@link CommandTrends#commandTrend} and {@link FeatureTrends#featureTrend} draw at most.
   */
  static final int TOP = 8;

  final SqlReads.Connector connector;
  final FleetQueries fleet;

  TrendReads(SqlReads.Connector connector, FleetQueries fleet) {
    this.connector = connector;
    this.fleet = fleet;
  }

  static long number(Object o) {
    return o == null ? 0 : Math.round(((Number) o).doubleValue());
  }

  Table run(List<String> columns, String sql, Object... params) {
    return run(columns, sql, List.of(params));
  }

  Table run(List<String> columns, String sql, List<Object> params) {
    return FleetQueries.run(connector, columns, sql, params);
  }

  /**
   * The names of one counted family in the window, most counted first: their count, and the
   * installations seen with each in it (a name of fewer than the minimum is left out). Option use
   * and the web UI's routes.
   */
  Table countedWithInstallations(FleetQueries.Filter f, String family, String name, String count) {
    List<Object> params = FleetQueries.windowParams(f, family);
    params.addAll(
        List.of(f.product(), family, FleetQueries.scope(f), FleetQueries.firstDay(f.since())));
    String sql =
        "SELECT c.name, c.n, coalesce(i.installations, 0) AS installations FROM"
            + " (SELECT name, CAST(sum(n) AS BIGINT) AS n FROM rollup_counts WHERE product = ?"
            + " AND family = ? AND day >= ?"
            + FleetQueries.versionScope(f)
            + " GROUP BY name) c LEFT JOIN (SELECT name, count(*) AS installations"
            + " FROM rollup_seen WHERE product = ? AND family = ? AND scope = ? AND last_day >= ?"
            + " GROUP BY name) i ON i.name = c.name ORDER BY 2 DESC, 1";
    return FleetQueries.withMinimum(run(List.of(name, count, "installations"), sql, params), 2, f);
  }
}
