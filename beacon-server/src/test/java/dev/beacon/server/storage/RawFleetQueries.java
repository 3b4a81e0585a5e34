package dev.beacon.server.storage;

import dev.beacon.protocol.CommandFields;
import dev.beacon.protocol.ReportFields;
import dev.beacon.server.storage.FleetQueries.Filter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The fleet queries as they were before rollups: the same questions answered by scanning raw
 * events, in SQL both stores run. Kept in the tests as the reference every rollup answer is checked
 * against (with whole-day windows, as the rollups have them: the only change of meaning).
 */
final class RawFleetQueries {
  private final RawDialect dialect;
  private final SqlReads.Connector connector;

  RawFleetQueries(RawDialect dialect, SqlReads.Connector connector) {
    this.dialect = dialect;
    this.connector = connector;
  }

  /** A filter whose window starts at 00:00 UTC of its day, as the rollups' windows do. */
  private static Filter days(Filter f) {
    return new Filter(
        f.product(),
        FleetQueries.firstDay(f.since()).atStartOfDay().toInstant(ZoneOffset.UTC),
        f.version(),
        f.minInstallations());
  }

  private static Instant dayStart(LocalDate d) {
    return d.atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  /**
   * Installations active in the last 1, 7 and 30 days (counted from now, version filter applies).
   */
  Table active(Filter f) {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    String sql =
        "SELECT count(DISTINCT CASE WHEN ts >= ? THEN installation_id END),"
            + " count(DISTINCT CASE WHEN ts >= ? THEN installation_id END),"
            + " count(DISTINCT CASE WHEN ts >= ? THEN installation_id END)"
            + " FROM events WHERE product = ? AND ts >= ?"
            + versionClause(f);
    return query(
        List.of("active_1d", "active_7d", "active_30d"),
        sql,
        f,
        SqlReads.utc(dayStart(today)),
        SqlReads.utc(dayStart(today.minusDays(6))),
        SqlReads.utc(dayStart(today.minusDays(29))),
        f.product(),
        SqlReads.utc(dayStart(today.minusDays(29))));
  }

  /**
   * Per day of the window: installations seen for the first time, and those seen for the last time
   * (lost: not seen in the 7 days since, so the last week counts none).
   */
  Table newAndLost(Filter given) {
    Filter f = days(given);
    String sql =
        "SELECT day, sum(new) AS new, sum(lost) AS lost FROM ("
            + " SELECT CAST(first_seen AS DATE) AS day, 1 AS new, 0 AS lost FROM seen"
            + " WHERE first_seen >= ?"
            + " UNION ALL"
            + " SELECT CAST(last_seen AS DATE) AS day, 0 AS new, 1 AS lost FROM seen"
            + " WHERE last_seen >= ? AND CAST(last_seen AS DATE) <= ?) days GROUP BY day ORDER BY day";
    String with =
        "WITH seen AS (SELECT installation_id, min(ts) AS first_seen, max(ts) AS last_seen"
            + " FROM events WHERE product = ? AND installation_id IS NOT NULL"
            + versionClause(f)
            + " GROUP BY installation_id) ";
    List<Object> params = new ArrayList<>();
    params.add(f.product());
    if (f.version() != null) {
      params.add(f.version());
    }
    params.add(SqlReads.utc(f.since()));
    params.add(SqlReads.utc(f.since()));
    params.add(LocalDate.now(ZoneOffset.UTC).minusDays(7));
    return run(List.of("day", "new", "lost"), with + sql, params);
  }

  /** Installations per version and day: how upgrades spread. */
  Table versionsOverTime(Filter given) {
    Filter f = days(given);
    String sql =
        "SELECT CAST(ts AS DATE) AS day, version, count(DISTINCT installation_id) AS installations"
            + " FROM events WHERE product = ? AND ts >= ? AND version IS NOT NULL"
            + versionClause(f)
            + " GROUP BY 1, 2 ORDER BY 1, 2";
    return withMinimum(query(List.of("day", "version", "installations"), sql, f, base(f)), 2, f);
  }

  /** Installations by a platform fact of their latest report in the window. */
  Table breakdown(Filter given, String by) {
    Filter f = days(given);
    String value =
        switch (by) {
          case "cpus" ->
              dialect.jsonText("properties", ReportFields.VM_SPECS + "." + ReportFields.NUM_CPUS);
          case "memory" ->
              // Whole GiB, so that 16 GiB machines with a little reserved land in one bucket.
              "CAST(round("
                  + dialect.number(
                      dialect.jsonText(
                          "properties", ReportFields.VM_SPECS + "." + ReportFields.TOTAL_MEMORY))
                  + " / 1073741824) AS BIGINT)";
          case "edition" -> dialect.jsonText("properties", ReportFields.EDITION);
          case "os", "arch", "runtime" -> by;
          default -> throw new IllegalArgumentException("cannot break down by '" + by + "'");
        };
    String sql =
        latest(f)
            + "SELECT CAST("
            + value
            + " AS VARCHAR(256)) AS value, count(*) AS installations FROM latest"
            + " GROUP BY 1 ORDER BY 2 DESC, 1";
    return FleetQueries.withOther(query(List.of(by, "installations"), sql, f, base(f)), by, f);
  }

  /** Clusters by their number of nodes (installations reporting the same cluster id). */
  Table clusterSizes(Filter given) {
    Filter f = days(given);
    String sql =
        "SELECT size, count(*) AS clusters FROM (SELECT cluster_id, count(DISTINCT installation_id)"
            + " AS size FROM events WHERE product = ? AND ts >= ? AND type = 'report'"
            + " AND cluster_id IS NOT NULL"
            + versionClause(f)
            + " GROUP BY cluster_id) sizes GROUP BY size ORDER BY size";
    return query(List.of("nodes", "clusters"), sql, f, base(f));
  }

  /**
   * Plugins ({@code active_plugins}) and features ({@code features.*} above 0): installations using
   * each, and their percentage of the installations that reported in the window.
   */
  Table adoption(Filter given) {
    Filter f = days(given);
    String sql =
        latest(f)
            + "SELECT kind, name, installations,"
            + " round(100.0 * installations / (SELECT count(*) FROM latest), 1) AS percent FROM ("
            + "SELECT 'plugin' AS kind, value AS name, count(DISTINCT installation_id) AS installations"
            + " FROM "
            + dialect.arrayElements("latest", ReportFields.ACTIVE_PLUGINS)
            + " plugins GROUP BY value"
            + " UNION ALL SELECT 'feature', key, count(DISTINCT installation_id) FROM "
            + dialect.objectEntries("latest", "features")
            + " features WHERE value IS NOT NULL AND value NOT IN ('0', '0.0', 'false', '')"
            + " GROUP BY key) adopted ORDER BY 1, 3 DESC, 2";
    return withMinimum(
        query(List.of("kind", "name", "installations", "percent"), sql, f, base(f)), 2, f);
  }

  /** The values of any report field across the latest report of each installation. */
  Table field(Filter given, String path) {
    Filter f = days(given);
    String sql =
        latest(f)
            + "SELECT CAST("
            + dialect.jsonText("properties", path)
            + " AS VARCHAR(1024)) AS value, count(*) AS installations FROM latest"
            + " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 200";
    return withMinimum(query(List.of("value", "installations"), sql, f, base(f)), 1, f);
  }

  /** CLI commands: runs, success rate, duration percentiles, distinct projects. */
  Table commands(Filter given) {
    Filter f = days(given);
    String duration =
        dialect.number(
            dialect.jsonText(
                "properties", CommandFields.EVENT_DATA + "." + CommandFields.DURATION_MS));
    String sql =
        "SELECT command, count(*) AS runs,"
            + " avg(CASE WHEN exit_code = '0' THEN 1.0 ELSE 0.0 END) AS success_rate,"
            + " "
            + dialect.percentile("duration", 0.5)
            + " AS p50_ms,"
            + " "
            + dialect.percentile("duration", 0.95)
            + " AS p95_ms,"
            + " "
            + dialect.percentile("duration", 0.99)
            + " AS p99_ms,"
            + " count(DISTINCT project) AS projects,"
            + " count(DISTINCT installation_id) AS installations"
            + " FROM (SELECT installation_id, "
            + dialect.jsonText("properties", CommandFields.COMMAND)
            + " AS command, "
            + dialect.jsonText(
                "properties", CommandFields.EVENT_DATA + "." + CommandFields.EXIT_CODE)
            + " AS exit_code, "
            + duration
            + " AS duration, "
            + dialect.jsonText("properties", CommandFields.PROJECT_ID)
            + " AS project"
            + " FROM events WHERE product = ? AND ts >= ? AND type = 'track'"
            + " AND event = '"
            + CommandFields.COMMAND_EXITED
            + "'"
            + versionClause(f)
            + ") runs GROUP BY command ORDER BY runs DESC, command";
    return withMinimum(
        query(
            List.of(
                "command",
                "runs",
                "success_rate",
                "p50_ms",
                "p95_ms",
                "p99_ms",
                "projects",
                "installations"),
            sql,
            f,
            base(f)),
        7,
        f);
  }

  /** How often each option is given to each command, and how (command line or environment). */
  Table optionUse(Filter given) {
    Filter f = days(given);
    String started =
        "(SELECT installation_id, properties FROM events WHERE product = ? AND ts >= ?"
            + " AND type = 'track' AND event = '"
            + CommandFields.COMMAND_STARTED
            + "'"
            + versionClause(f)
            + ")";
    String sql =
        "SELECT value AS option, count(*) AS runs, count(DISTINCT installation_id) AS installations"
            + " FROM "
            + dialect.pathStrings(started, "$.eventData.options[*].name")
            + " options GROUP BY value ORDER BY 2 DESC, 1";
    return withMinimum(query(List.of("option", "runs", "installations"), sql, f, base(f)), 2, f);
  }

  /** Per day, the units reported unhealthy (the sum of DC/OS's {@code health-unit-*-unhealthy}). */
  Table unhealthyUnits(Filter given) {
    Filter f = days(given);
    String health =
        "(SELECT installation_id, ts, properties FROM events WHERE product = ? AND ts >= ?"
            + " AND type = 'track' AND event = 'health'"
            + versionClause(f)
            + ")";
    String sql =
        "SELECT CAST(ts AS DATE) AS day, sum("
            + dialect.number("value")
            + ") AS unhealthy,"
            + " count(DISTINCT installation_id) AS reporting FROM "
            + dialect.rootEntries(health)
            + " entries WHERE key LIKE 'health-unit-%-unhealthy' GROUP BY 1 ORDER BY 1";
    return query(List.of("day", "unhealthy", "reporting"), sql, f, base(f));
  }

  /** The web UI per day: page views, logins, installations with any beacon.js event. */
  Table webUi(Filter given) {
    Filter f = days(given);
    String sql =
        "SELECT CAST(ts AS DATE) AS day, count(CASE WHEN type = 'page' THEN 1 END),"
            + " count(CASE WHEN type = 'track' AND event = 'login' THEN 1 END),"
            + " count(DISTINCT installation_id) FROM events WHERE product = ? AND ts >= ?"
            + " AND library = 'beacon-js'"
            + versionClause(f)
            + " GROUP BY 1 ORDER BY 1";
    return query(List.of("day", "page_views", "logins", "installations"), sql, f, base(f));
  }

  /** Page views and installations per route template of beacon.js. */
  Table uiRoutes(Filter given) {
    Filter f = days(given);
    String sql =
        "SELECT event, count(*), count(DISTINCT installation_id) FROM events WHERE product = ?"
            + " AND ts >= ? AND library = 'beacon-js' AND type = 'page'"
            + versionClause(f)
            + " GROUP BY 1 ORDER BY 2 DESC, 1";
    return withMinimum(query(List.of("route", "views", "installations"), sql, f, base(f)), 2, f);
  }

  /** Page views per day of the most viewed routes. */
  Table uiRoutesOverTime(Filter given) {
    Filter f = days(given);
    List<String> top = new ArrayList<>();
    for (List<Object> r : uiRoutes(f).rows()) {
      if (top.size() < WebUiTrends.TOP_ROUTES) {
        top.add((String) r.get(0));
      }
    }
    String sql =
        "SELECT CAST(ts AS DATE) AS day, event, count(*) FROM events WHERE product = ?"
            + " AND ts >= ? AND library = 'beacon-js' AND type = 'page'"
            + versionClause(f)
            + " GROUP BY 1, 2 ORDER BY 1, 2";
    List<List<Object>> rows = new ArrayList<>();
    for (List<Object> r : query(List.of("day", "route", "views"), sql, f, base(f)).rows()) {
      if (top.contains(r.get(1))) {
        rows.add(r);
      }
    }
    return new Table(List.of("day", "route", "views"), rows);
  }

  private String latest(Filter f) {
    return "WITH latest AS (SELECT * FROM (SELECT e.*, row_number() OVER"
        + " (PARTITION BY installation_id ORDER BY ts DESC) AS rn FROM events e"
        + " WHERE product = ? AND ts >= ? AND type = 'report' AND installation_id IS NOT NULL"
        + versionClause(f)
        + ") ranked WHERE rn = 1) ";
  }

  private static String versionClause(Filter f) {
    return f.version() == null ? "" : " AND version = ?";
  }

  private static Object[] base(Filter f) {
    return new Object[] {f.product(), SqlReads.utc(f.since())};
  }

  private Table query(List<String> columns, String sql, Filter f, Object... params) {
    List<Object> all = new ArrayList<>(List.of(params));
    if (f.version() != null) {
      all.add(f.version());
    }
    return run(columns, sql, all);
  }

  private Table run(List<String> columns, String sql, List<Object> params) {
    return FleetQueries.run(connector, columns, sql, params);
  }

  private static Table withMinimum(Table t, int index, Filter f) {
    return FleetQueries.withMinimum(t, index, f);
  }

  /** The summary as SqlReads computed it: each installation by its latest non-null value. */
  Summary summary(String product, Instant given) {
    Instant since = dayStart(FleetQueries.firstDay(given));
    String latest = dialect == RawDialect.DUCKDB ? DUCKDB_LATEST : POSTGRES_LATEST;
    Table counts =
        run(
            List.of("installations", "events"),
            "SELECT count(DISTINCT installation_id), count(*) FROM events"
                + " WHERE product = ? AND ts >= ?",
            List.of(product, SqlReads.utc(since)));
    List<Object> params = List.of(product, SqlReads.utc(since));
    return new Summary(
        ((Number) counts.rows().get(0).get(0)).longValue(),
        ((Number) counts.rows().get(0).get(1)).longValue(),
        buckets(run(List.of("v", "n"), String.format(latest, "version"), params)),
        buckets(run(List.of("v", "n"), String.format(latest, "os"), params)));
  }

  private static List<Summary.Bucket> buckets(Table t) {
    List<Summary.Bucket> out = new ArrayList<>();
    for (List<Object> r : t.rows()) {
      out.add(new Summary.Bucket((String) r.get(0), ((Number) r.get(1)).longValue()));
    }
    return out;
  }

  private static final String DUCKDB_LATEST =
      "SELECT v, count(*) AS n FROM (SELECT installation_id, arg_max(%1$s, ts) AS v FROM events"
          + " WHERE product = ? AND ts >= ? AND installation_id IS NOT NULL AND %1$s IS NOT NULL"
          + " GROUP BY installation_id) GROUP BY v ORDER BY n DESC, v";

  private static final String POSTGRES_LATEST =
      "SELECT v, count(*) AS n FROM (SELECT DISTINCT ON (installation_id) %1$s AS v FROM events"
          + " WHERE product = ? AND ts >= ? AND installation_id IS NOT NULL AND %1$s IS NOT NULL"
          + " ORDER BY installation_id, ts DESC) latest GROUP BY v ORDER BY n DESC, v";
}
