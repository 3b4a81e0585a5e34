package dev.beacon.server.storage;

/** The dialect of {@link RawFleetQueries}: the fleet queries' SQL before rollups. */
interface RawDialect {
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

  /**
   * A stored text as a number: NULL unless it is a finite number, and clamped to +-1e19 so that no
   * arithmetic on it can overflow. Never fails, whatever the text holds.
   */
  String number(String textExpression);

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

  RawDialect DUCKDB =
      new RawDialect() {
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
          return "(SELECT t.installation_id, j.key AS key, json_extract_string(j.value, '$') AS value"
              + " FROM "
              + table
              + " t, json_each(t.properties, '$."
              + path
              + "') j WHERE json_type(t.properties, '$."
              + path
              + "') = 'OBJECT')";
        }

        @Override
        public String number(String text) {
          String d = "TRY_CAST(" + text + " AS DOUBLE)";
          return "(CASE WHEN isfinite(" + d + ") THEN least(greatest(" + d + ", -1e19), 1e19) END)";
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
          return "(SELECT t.installation_id, t.ts, j.key AS key,"
              + " json_extract_string(j.value, '$') AS value FROM "
              + table
              + " t, json_each(t.properties) j WHERE json_type(t.properties) = 'OBJECT')";
        }
      };

  RawDialect POSTGRES =
      new RawDialect() {
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
        public String number(String text) {
          // A plain decimal of bounded length only: casting anything else could fail or overflow.
          String t = "(" + text + ")";
          return "(CASE WHEN "
              + t
              + " ~ '^\\s*-?[0-9]{1,20}(\\.[0-9]{1,20})?([eE][-+]?[0-9]{1,2})?\\s*$' THEN"
              + " least(greatest(CAST("
              + t
              + " AS DOUBLE PRECISION), -1e19), 1e19) END)";
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
