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
}
