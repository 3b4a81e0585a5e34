package dev.beacon.server.storage;

import dev.beacon.protocol.CommandFields;
import dev.beacon.protocol.ReportFields;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The dashboard's questions about a product's fleet, in SQL both stores run (through {@link
 * Dialect}). Every query takes a window (events since an instant) and an optional version, and
 * answers a {@link Table}; buckets of fewer than {@code minInstallations} installations are left
 * out where a bucket counts installations, so a small group is never singled out.
 */
public final class FleetQueries {
  private static final Pattern PATH =
      Pattern.compile("[A-Za-z0-9_-]{1,64}(\\.[A-Za-z0-9_-]{1,64}){0,7}");

  /** What {@link #breakdown} can break installations down by. */
  public static final Set<String> BREAKDOWNS =
      Set.of("os", "arch", "runtime", "cpus", "memory", "edition");

  private final Dialect dialect;
  private final SqlReads.Connector connector;

  FleetQueries(Dialect dialect, SqlReads.Connector connector) {
    this.dialect = dialect;
    this.connector = connector;
  }

  /** Filters every query shares. */
  public record Filter(String product, Instant since, String version, int minInstallations) {}

  /**
   * Installations active in the last 1, 7 and 30 days (counted from now, version filter applies).
   */
  public Table active(Filter f) {
    Instant now = Instant.now();
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
        SqlReads.utc(now.minus(Duration.ofDays(1))),
        SqlReads.utc(now.minus(Duration.ofDays(7))),
        SqlReads.utc(now.minus(Duration.ofDays(30))),
        f.product(),
        SqlReads.utc(now.minus(Duration.ofDays(30))));
  }

  /**
   * Per day of the window: installations seen for the first time, and those seen for the last time
   * (lost: not seen in the 7 days since, so the last week counts none).
   */
  public Table newAndLost(Filter f) {
    String sql =
        "SELECT day, sum(new) AS new, sum(lost) AS lost FROM ("
            + " SELECT CAST(first_seen AS DATE) AS day, 1 AS new, 0 AS lost FROM seen"
            + " WHERE first_seen >= ?"
            + " UNION ALL"
            + " SELECT CAST(last_seen AS DATE) AS day, 0 AS new, 1 AS lost FROM seen"
            + " WHERE last_seen >= ? AND last_seen < ?) days GROUP BY day ORDER BY day";
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
    params.add(SqlReads.utc(Instant.now().minus(Duration.ofDays(7))));
    return run(List.of("day", "new", "lost"), with + sql, params);
  }

  /** Installations per version and day: how upgrades spread. */
  public Table versionsOverTime(Filter f) {
    String sql =
        "SELECT CAST(ts AS DATE) AS day, version, count(DISTINCT installation_id) AS installations"
            + " FROM events WHERE product = ? AND ts >= ? AND version IS NOT NULL"
            + versionClause(f)
            + " GROUP BY 1, 2 ORDER BY 1, 2";
    return withMinimum(query(List.of("day", "version", "installations"), sql, f, base(f)), 2, f);
  }

  /** Installations by a platform fact of their latest report in the window. */
  public Table breakdown(Filter f, String by) {
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
    return withMinimum(query(List.of(by, "installations"), sql, f, base(f)), 1, f);
  }

  /** Clusters by their number of nodes (installations reporting the same cluster id). */
  public Table clusterSizes(Filter f) {
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
  public Table adoption(Filter f) {
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
  public Table field(Filter f, String path) {
    checkPath(path);
    String sql =
        latest(f)
            + "SELECT CAST("
            + dialect.jsonText("properties", path)
            + " AS VARCHAR(1024)) AS value, count(*) AS installations FROM latest"
            + " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 200";
    return withMinimum(query(List.of("value", "installations"), sql, f, base(f)), 1, f);
  }

  /** CLI commands: runs, success rate, duration percentiles, distinct projects. */
  public Table commands(Filter f) {
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
  public Table optionUse(Filter f) {
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
  public Table unhealthyUnits(Filter f) {
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

  /** A report field path: keys of letters, digits, '_' or '-', joined by dots. */
  public static void checkPath(String path) {
    if (path == null || !PATH.matcher(path).matches()) {
      throw new IllegalArgumentException(
          "a field path is keys of letters, digits, '_' or '-' joined by dots, such as vm_specs.num_cpus");
    }
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
    return connector.read(
        "fleet query",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
              ps.setObject(i + 1, params.get(i));
            }
            return table(columns, ps);
          }
        });
  }

  private static Table table(List<String> columns, PreparedStatement ps) throws SQLException {
    List<List<Object>> rows = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        List<Object> row = new ArrayList<>(md.getColumnCount());
        for (int i = 1; i <= md.getColumnCount(); i++) {
          Object v = rs.getObject(i);
          if (v instanceof Date d) {
            v = d.toLocalDate().toString();
          } else if (v instanceof LocalDate d) {
            v = d.toString();
          } else if (v instanceof BigDecimal b) {
            v = b.doubleValue();
          } else if (v instanceof BigInteger b) {
            v = b.longValue();
          } else if (v != null && !(v instanceof Number) && !(v instanceof String)) {
            v = v.toString();
          }
          row.add(v);
        }
        rows.add(row);
      }
    }
    return new Table(columns, rows);
  }

  /** Leaves out rows whose installations (at column {@code index}) are under the minimum. */
  private static Table withMinimum(Table t, int index, Filter f) {
    if (f.minInstallations() <= 1) {
      return t;
    }
    List<List<Object>> kept = new ArrayList<>();
    for (List<Object> row : t.rows()) {
      Object n = row.get(index);
      if (n instanceof Number num && num.longValue() >= f.minInstallations()) {
        kept.add(row);
      }
    }
    return new Table(t.columns(), kept);
  }
}
