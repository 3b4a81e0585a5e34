package dev.beacon.server.storage;

import static dev.beacon.server.storage.RollupDelta.ACTIVE;
import static dev.beacon.server.storage.RollupDelta.ALL;
import static dev.beacon.server.storage.RollupDelta.CLUSTER;
import static dev.beacon.server.storage.RollupDelta.EVENTS;
import static dev.beacon.server.storage.RollupDelta.INSTALLATION;
import static dev.beacon.server.storage.RollupDelta.MEMBERS;
import static dev.beacon.server.storage.RollupDelta.SEEN_FIRST;
import static dev.beacon.server.storage.RollupDelta.SEEN_LAST;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The dashboard's questions about a product's fleet, answered from the rollups ({@link
 * RollupTable}), never from raw events: each costs what the installations and days of its window
 * cost, whatever the number of events. Every query takes a window and an optional version, and
 * answers a {@link Table}; buckets of fewer than {@code minInstallations} installations are left
 * out where a bucket counts installations, so a small group is never singled out.
 *
 * <p>A window is whole UTC days: it starts at 00:00 UTC of the day {@code since} falls on and ends
 * now ({@link #windowStart} gives the start of "the last N days", today included).
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

  /** Activity over time ({@link FleetTrends}), read the same way. */
  public FleetTrends trends() {
    return new FleetTrends(connector, this);
  }

  /** How releases spread ({@link ReleaseTrends}). */
  public ReleaseTrends releases() {
    return new ReleaseTrends(connector, this);
  }

  /** Weekly cohorts ({@link RetentionTrends}). */
  public RetentionTrends retention() {
    return new RetentionTrends(connector, this);
  }

  /** Feature adoption over time and by version ({@link FeatureTrends}). */
  public FeatureTrends features() {
    return new FeatureTrends(connector, this);
  }

  /** CLI commands and unhealthy units ({@link CommandTrends}). */
  public CommandTrends commands() {
    return new CommandTrends(connector, this);
  }

  /** The product web UI's page views, logins and routes (beacon.js). */
  public WebUiTrends webUi() {
    return new WebUiTrends(connector, this);
  }

  /**
   * The store's SQL where it differs (the questions over time, {@link TrendReads}, write some too).
   */
  Dialect dialect() {
    return dialect;
  }

  /** How these queries reach the store; the tests' raw-event reference reads through it too. */
  SqlReads.Connector connector() {
    return connector;
  }

  /** Filters every query shares. */
  public record Filter(String product, Instant since, String version, int minInstallations) {}

  /** 00:00 UTC of the first of the last {@code days} days, today being the last. */
  public static Instant windowStart(int days) {
    return today().minusDays(Math.max(1, days) - 1L).atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  /**
   * A window query's parameters: the product, {@code keys} (its families and names, in the order
   * its SQL asks them), the window's first day, then the version's scope when the filter names a
   * version (the SQL's {@link #versionScope}).
   */
  static List<Object> windowParams(Filter f, Object... keys) {
    List<Object> params = new ArrayList<>();
    params.add(f.product());
    params.addAll(Arrays.asList(keys));
    params.add(firstDay(f.since()));
    if (f.version() != null) {
      params.add(scope(f));
    }
    return params;
  }

  /**
   * {@code AND scope = ?} when the filter names a version, else nothing ({@link #windowParams}).
   */
  static String versionScope(Filter f) {
    return f.version() == null ? "" : " AND scope = ?";
  }

  /** The first day of a window that starts at {@code since}. */
  static LocalDate firstDay(Instant since) {
    return LocalDate.ofInstant(since, ZoneOffset.UTC);
  }

  static LocalDate today() {
    return LocalDate.now(ZoneOffset.UTC);
  }

  static String scope(Filter f) {
    return f.version() == null ? ALL : RollupDelta.scope(f.version());
  }

  /**
   * The sum of {@link RollupTable#COUNTS}' {@code n} over the rows of a family that meet a
   * condition (null: every row), 0 when none does, as a whole number.
   */
  static String sumWhen(String family, String condition) {
    return "CAST(coalesce(sum(CASE WHEN family = '"
        + family
        + "'"
        + (condition == null ? "" : " AND " + condition)
        + " THEN n END), 0) AS BIGINT)";
  }

  /** Installations active today, in the last 7 and in the last 30 days (version filter applies). */
  public Table active(Filter f) {
    LocalDate today = today();
    // The installations counted by last day: those of the last N days are the ones active in them.
    String sql =
        "SELECT "
            + sumWhen(SEEN_LAST, "day >= ?")
            + ", "
            + sumWhen(SEEN_LAST, "day >= ?")
            + ", "
            + sumWhen(SEEN_LAST, "day >= ?")
            + " FROM rollup_counts WHERE product = ? AND family = ? AND scope = ? AND name = ''"
            + " AND sub = ? AND day >= ?";
    return run(
        List.of("active_1d", "active_7d", "active_30d"),
        sql,
        today,
        today.minusDays(6),
        today.minusDays(29),
        f.product(),
        SEEN_LAST,
        scope(f),
        INSTALLATION,
        today.minusDays(29));
  }

  /**
   * Per day of the window: installations seen for the first time, and those seen for the last time
   * (lost: not seen in the 7 days since, so the last week counts none).
   */
  public Table newAndLost(Filter f) {
    // The installations counted by first and by last day; a day with neither is left out.
    String sql =
        "SELECT day, new, lost FROM (SELECT day, "
            + sumWhen(SEEN_FIRST, null)
            + " AS new, "
            + sumWhen(SEEN_LAST, "day <= ?")
            + " AS lost FROM rollup_counts WHERE product = ? AND family IN (?, ?) AND scope = ?"
            + " AND name = '' AND sub = ? AND day >= ? GROUP BY day) days"
            + " WHERE new > 0 OR lost > 0 ORDER BY day";
    return run(
        List.of("day", "new", "lost"),
        sql,
        today().minusDays(7),
        f.product(),
        SEEN_FIRST,
        SEEN_LAST,
        scope(f),
        INSTALLATION,
        firstDay(f.since()));
  }

  /** Installations per version and day: how upgrades spread. */
  public Table versionsOverTime(Filter f) {
    String sql =
        "SELECT day, substr(scope, 2) AS version, CAST(n AS BIGINT) AS installations"
            + " FROM rollup_counts WHERE product = ? AND family = ? AND name = ? AND day >= ?"
            + " AND scope LIKE '=%' AND scope <> '='"
            + versionScope(f)
            + " ORDER BY 1, 2";
    List<Object> params = windowParams(f, MEMBERS, ACTIVE);
    return withMinimum(run(List.of("day", "version", "installations"), sql, params), 2, f);
  }

  /** Installations by a platform fact of their latest report in the window. */
  public Table breakdown(Filter f, String by) {
    if (!BREAKDOWNS.contains(by)) {
      throw new IllegalArgumentException("cannot break down by '" + by + "'");
    }
    String sql =
        "SELECT CAST("
            + by
            + " AS VARCHAR(256)) AS value, count(*) AS installations FROM rollup_latest"
            + LATEST_WHERE
            + " GROUP BY 1 ORDER BY 2 DESC, 1";
    return withOther(run(List.of(by, "installations"), sql, latest(f)), by, f);
  }

  /** Breakdown values measured in numbers, listed in their order rather than by size. */
  private static final Set<String> NUMERIC = Set.of("cpus", "memory");

  /** The bucket that gathers those under the minimum. */
  public static final String OTHER = "other";

  /**
   * A breakdown's buckets under the minimum merged into one {@value #OTHER} bucket (left out too
   * while it is under the minimum); numeric ones in numeric order, their unreadable values last.
   */
  static Table withOther(Table t, String by, Filter f) {
    List<List<Object>> kept = new ArrayList<>();
    long other = 0;
    for (List<Object> row : t.rows()) {
      long n = ((Number) row.get(1)).longValue();
      if (n >= f.minInstallations()) {
        kept.add(row);
      } else {
        other += n;
      }
    }
    if (NUMERIC.contains(by)) {
      kept.sort(
          Comparator.comparing(
              (List<Object> r) -> numeric(r.get(0)),
              Comparator.nullsLast(Comparator.naturalOrder())));
    }
    if (other > 0 && other >= f.minInstallations()) {
      kept.add(List.of(OTHER, other));
    }
    return new Table(t.columns(), kept);
  }

  private static Double numeric(Object value) {
    try {
      double d = value == null ? Double.NaN : Double.parseDouble((String) value);
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static final String LATEST_WHERE = " WHERE product = ? AND scope = ? AND ts >= ?";

  private static List<Object> latest(Filter f) {
    return List.of(f.product(), scope(f), firstDay(f.since()).atStartOfDay());
  }

  /** Clusters by their number of nodes (installations whose reports named the same cluster). */
  public Table clusterSizes(Filter f) {
    String sql =
        "SELECT size, count(*) AS clusters FROM (SELECT name, count(*) AS size FROM rollup_seen"
            + " WHERE product = ? AND family = ? AND scope = ? AND last_day >= ? GROUP BY name)"
            + " sizes GROUP BY size ORDER BY size";
    return run(
        List.of("nodes", "clusters"), sql, f.product(), CLUSTER, scope(f), firstDay(f.since()));
  }

  /**
   * Plugins ({@code active_plugins}) and features ({@code features.*} above 0): installations using
   * each, and their percentage of the installations that reported in the window.
   */
  public Table adoption(Filter f) {
    Table counted =
        run(
            List.of("kind", "name", "installations"),
            "SELECT kind, name, installations FROM ("
                + dialect.adoption(LATEST_WHERE)
                + ") adopted ORDER BY 1, 3 DESC, 2",
            latest(f));
    long reporting =
        ((Number)
                run(List.of("n"), "SELECT count(*) FROM rollup_latest" + LATEST_WHERE, latest(f))
                    .rows()
                    .get(0)
                    .get(0))
            .longValue();
    List<List<Object>> rows = new ArrayList<>();
    for (List<Object> r : counted.rows()) {
      long n = ((Number) r.get(2)).longValue();
      rows.add(List.of(r.get(0), r.get(1), n, percent(n, reporting)));
    }
    return withMinimum(new Table(List.of("kind", "name", "installations", "percent"), rows), 2, f);
  }

  /** The values of any report field across the latest report of each installation. */
  public Table field(Filter f, String path) {
    checkPath(path);
    String sql =
        "SELECT CAST("
            + dialect.jsonText("properties", path)
            + " AS VARCHAR(1024)) AS value, count(*) AS installations FROM rollup_latest"
            + LATEST_WHERE
            + " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 200";
    return withMinimum(run(List.of("value", "installations"), sql, latest(f)), 1, f);
  }

  /**
   * The product summary (DESIGN §4): installations active in the window, its events, and each
   * installation once by the latest version and OS any of its events in the window named.
   */
  public Summary summary(String product, Instant since) {
    LocalDate from = firstDay(since);
    Table active =
        run(
            List.of("n"),
            "SELECT count(*) FROM rollup_seen WHERE product = ? AND family = ? AND scope = ?"
                + " AND last_day >= ?",
            product,
            INSTALLATION,
            ALL,
            from);
    Table events =
        run(
            List.of("n"),
            "SELECT sum(n) FROM rollup_counts WHERE product = ? AND family = ? AND day >= ?",
            product,
            EVENTS,
            from);
    Object n = events.rows().get(0).get(0);
    return new Summary(
        ((Number) active.rows().get(0).get(0)).longValue(),
        n == null ? 0 : Math.round(((Number) n).doubleValue()),
        buckets(product, "version", from),
        buckets(product, "os", from));
  }

  private List<Summary.Bucket> buckets(String product, String column, LocalDate from) {
    Table t =
        run(
            List.of(column, "installations"),
            "SELECT "
                + column
                + ", count(*) FROM rollup_installations WHERE product = ? AND "
                + column
                + "_ts >= ? GROUP BY 1 ORDER BY 2 DESC, 1",
            product,
            from.atStartOfDay());
    List<Summary.Bucket> out = new ArrayList<>();
    for (List<Object> r : t.rows()) {
      out.add(new Summary.Bucket((String) r.get(0), ((Number) r.get(1)).longValue()));
    }
    return out;
  }

  /**
   * A share in percent, one decimal: as SQL's round(100.0 * n / of, 1) on exact decimals (half away
   * from zero), so that the rollups answer as the raw-event SQL did.
   */
  static double percent(long n, long of) {
    return BigDecimal.valueOf(100L * n)
        .divide(BigDecimal.valueOf(of), 1, RoundingMode.HALF_UP)
        .doubleValue();
  }

  /** A report field path: keys of letters, digits, '_' or '-', joined by dots. */
  public static void checkPath(String path) {
    if (path == null || !PATH.matcher(path).matches()) {
      throw new IllegalArgumentException(
          "a field path is keys of letters, digits, '_' or '-' joined by dots, such as vm_specs.num_cpus");
    }
  }

  private Table run(List<String> columns, String sql, Object... params) {
    return run(columns, sql, List.of(params));
  }

  private Table run(List<String> columns, String sql, List<Object> params) {
    return run(connector, columns, sql, params);
  }

  /** Runs a query through a store's connector (the tests' raw-event reference runs its own). */
  static Table run(
      SqlReads.Connector connector, List<String> columns, String sql, List<Object> params) {
    return connector.read(
        "fleet query",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return table(columns, ps);
          }
        });
  }

  /** What a query does with each row it reads, for answers made in Java rather than a table. */
  interface RowReader {
    void read(ResultSet row) throws SQLException;
  }

  /** Runs a query through a store's connector and hands each row to {@code reader}. */
  static void forEachRow(
      SqlReads.Connector connector, String sql, List<Object> params, RowReader reader) {
    connector.read(
        "fleet query",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                reader.read(rs);
              }
            }
          }
          return null;
        });
  }

  private static void bind(PreparedStatement ps, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      ps.setObject(i + 1, params.get(i));
    }
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
  static Table withMinimum(Table t, int index, Filter f) {
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
