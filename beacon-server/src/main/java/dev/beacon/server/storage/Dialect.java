package dev.beacon.server.storage;

/**
 * The few places where DuckDB's SQL and PostgreSQL's differ, for the fleet queries: reading a JSON
 * field as text, the elements of a JSON array of strings, and integer division. Paths are trusted
 * (checked by {@link FleetQueries#checkPath}); no path is ever built from stored data, and no
 * stored text goes through a cast that can fail (the rollups hold values typed at ingest).
 */
interface Dialect {
  /**
   * A JSON field as text; {@code path} is keys joined by dots, such as {@code vm_specs.num_cpus}.
   */
  String jsonText(String column, String path);

  /**
   * A query of (kind, name, installations): for each plugin ({@code plugins}) and feature ({@code
   * features}) named in the JSON arrays of strings (written by the rollups, so always such arrays)
   * of the rows of {@code rollup_latest} that {@code where} selects, how many rows name it.
   */
  String adoption(String where);

  /**
   * The whole weeks in {@code days}, an integer expression known to be zero or more, as an integer.
   * (Written once for both, {@code floor(days / 7.0)} made PostgreSQL divide in {@code numeric} for
   * every row of a retention query: issue 20.)
   */
  String wholeWeeks(String days);

  Dialect DUCKDB =
      new Dialect() {
        @Override
        public String jsonText(String column, String path) {
          return "json_extract_string(" + column + ", '$." + path + "')";
        }

        @Override
        public String wholeWeeks(String days) {
          return "((" + days + ") // 7)";
        }

        @Override
        public String adoption(String where) {
          return "WITH latest AS (SELECT plugins, features FROM rollup_latest"
              + where
              + ") SELECT 'plugin' AS kind, value AS name, count(*) AS installations FROM"
              + " (SELECT unnest(json_extract_string(plugins, '$[*]')) AS value FROM latest)"
              + " GROUP BY value UNION ALL SELECT 'feature', value, count(*) FROM"
              + " (SELECT unnest(json_extract_string(features, '$[*]')) AS value FROM latest)"
              + " GROUP BY value";
        }
      };

  Dialect POSTGRES =
      new Dialect() {
        @Override
        public String jsonText(String column, String path) {
          return column + " #>> '{" + path.replace('.', ',') + "}'";
        }

        @Override
        public String wholeWeeks(String days) {
          return "((" + days + ") / 7)";
        }

        @Override
        public String adoption(String where) {
          // One pass over the rows (a CTE read twice would be materialized first).
          return "SELECT e.kind, e.name, count(*) AS installations FROM (SELECT plugins, features"
              + " FROM rollup_latest"
              + where
              + ") t CROSS JOIN LATERAL (SELECT 'plugin' AS kind, p AS name"
              + " FROM jsonb_array_elements_text(t.plugins) AS p UNION ALL SELECT 'feature', f"
              + " FROM jsonb_array_elements_text(t.features) AS f) e GROUP BY 1, 2";
        }
      };
}
