package dev.beacon.server.storage;

/**
 * The few places where DuckDB's SQL and PostgreSQL's differ, for the fleet queries: reading a JSON
 * field as text, the elements of a JSON array, the entries of a JSON object, and percentiles. Paths
 * are trusted (chosen by the server, or checked by {@link FleetQueries#checkPath}).
 */
interface Dialect {
  /**
   * A JSON field as text; {@code path} is keys joined by dots, such as {@code vm_specs.num_cpus}.
   */
  String jsonText(String column, String path);

  /**
   * A FROM item with columns (installation_id, value) for each text element of the JSON array at
   * {@code path} of each row of {@code table}.
   */
  String arrayElements(String table, String path);

  /**
   * A FROM item with columns (installation_id, key, value) for each entry of the JSON object at
   * {@code path} of each row of {@code table}.
   */
  String objectEntries(String table, String path);

  /** The continuous percentile {@code p} (0..1) of an expression. */
  String percentile(String expression, double p);

  /**
   * A FROM item with columns (installation_id, value) for each string a JSON path with {@code [*]}
   * selects in each row of {@code table} (a parenthesized query, without alias), such as {@code
   * $.eventData.options[*].name}.
   */
  String pathStrings(String table, String jsonPath);

  /**
   * A FROM item with (installation_id, ts, key, value) for each top-level property of each row of
   * {@code table} (a parenthesized query, without alias).
   */
  String rootEntries(String table);

  Dialect DUCKDB =
      new Dialect() {
        @Override
        public String jsonText(String column, String path) {
          return "json_extract_string(" + column + ", '$." + path + "')";
        }

        @Override
        public String arrayElements(String table, String path) {
          return "(SELECT installation_id, unnest(json_extract_string(properties, '$."
              + path
              + "[*]')) AS value FROM "
              + table
              + ")";
        }

        @Override
        public String objectEntries(String table, String path) {
          return "(SELECT installation_id, key, json_extract_string(properties, '$."
              + path
              + ".' || key) AS value FROM (SELECT installation_id, properties,"
              + " unnest(json_keys(properties, '$."
              + path
              + "')) AS key FROM "
              + table
              + ") keyed)";
        }

        @Override
        public String percentile(String expression, double p) {
          return "quantile_cont(" + expression + ", " + p + ")";
        }

        @Override
        public String pathStrings(String table, String jsonPath) {
          return "(SELECT installation_id, unnest(json_extract_string(properties, '"
              + jsonPath
              + "')) AS value FROM "
              + table
              + " src)";
        }

        @Override
        public String rootEntries(String table) {
          return "(SELECT installation_id, ts, key, json_extract_string(properties, '$.\"' || key"
              + " || '\"') AS value FROM (SELECT installation_id, ts, properties,"
              + " unnest(json_keys(properties)) AS key FROM "
              + table
              + " src) keyed)";
        }
      };

  Dialect POSTGRES =
      new Dialect() {
        @Override
        public String jsonText(String column, String path) {
          return column + " #>> '{" + path.replace('.', ',') + "}'";
        }

        @Override
        public String arrayElements(String table, String path) {
          String p = "properties #> '{" + path.replace('.', ',') + "}'";
          return "(SELECT t.installation_id, e.value FROM "
              + table
              + " t, jsonb_array_elements_text(CASE WHEN jsonb_typeof(t."
              + p
              + ") = 'array' THEN t."
              + p
              + " ELSE '[]'::jsonb END) AS e(value))";
        }

        @Override
        public String objectEntries(String table, String path) {
          String p = "properties #> '{" + path.replace('.', ',') + "}'";
          return "(SELECT t.installation_id, e.key, e.value FROM "
              + table
              + " t, jsonb_each_text(CASE WHEN jsonb_typeof(t."
              + p
              + ") = 'object' THEN t."
              + p
              + " ELSE '{}'::jsonb END) AS e(key, value))";
        }

        @Override
        public String percentile(String expression, double p) {
          return "percentile_cont(" + p + ") WITHIN GROUP (ORDER BY " + expression + ")";
        }

        @Override
        public String pathStrings(String table, String jsonPath) {
          return "(SELECT t.installation_id, v #>> '{}' AS value FROM "
              + table
              + " t, jsonb_path_query(t.properties, '"
              + jsonPath
              + "') AS v)";
        }

        @Override
        public String rootEntries(String table) {
          return "(SELECT t.installation_id, t.ts, e.key, e.value FROM "
              + table
              + " t, jsonb_each_text(t.properties) AS e(key, value))";
        }
      };
}
