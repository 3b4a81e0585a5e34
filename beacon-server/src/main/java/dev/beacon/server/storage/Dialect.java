package dev.beacon.server.storage;

/**
 * The few places where DuckDB's SQL and PostgreSQL's differ, for the fleet queries: reading a JSON
 * field as text, and the elements of a JSON array of strings. Paths are trusted (checked by {@link
 * FleetQueries#checkPath}); no path is ever built from stored data, and no stored text goes through
 * a cast that can fail (the rollups hold values typed at ingest).
 */
interface Dialect {
  /**
   * A JSON field as text; {@code path} is keys joined by dots, such as {@code vm_specs.num_cpus}.
   */
  String jsonText(String column, String path);

  /**
   * A FROM item with columns (installation_id, value) for each element of the JSON array of strings
   * in {@code column} (written by the rollups, so always such an array) of each row of {@code
   * table}.
   */
  String elements(String table, String column);

  Dialect DUCKDB =
      new Dialect() {
        @Override
        public String jsonText(String column, String path) {
          return "json_extract_string(" + column + ", '$." + path + "')";
        }

        @Override
        public String elements(String table, String column) {
          return "(SELECT installation_id, unnest(json_extract_string("
              + column
              + ", '$[*]')) AS value FROM "
              + table
              + ")";
        }
      };

  Dialect POSTGRES =
      new Dialect() {
        @Override
        public String jsonText(String column, String path) {
          return column + " #>> '{" + path.replace('.', ',') + "}'";
        }

        @Override
        public String elements(String table, String column) {
          return "(SELECT t.installation_id, e.value FROM "
              + table
              + " t, jsonb_array_elements_text(t."
              + column
              + ") AS e(value))";
        }
      };
}
