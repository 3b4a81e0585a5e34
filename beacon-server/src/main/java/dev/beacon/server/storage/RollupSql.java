package dev.beacon.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Writes a {@link RollupDelta} into the rollup tables, on the connection (and in the transaction)
 * that stores the events; each store brings its own way of handing many rows to one statement
 * ({@link Staging}). Also the tables' DDL, and retention.
 */
final class RollupSql {
  private RollupSql() {}

  /** How rows reach an upsert: one statement per table, whatever the number of rows. */
  interface Staging {
    /**
     * Runs {@link RollupTable#upsert} with {@code rows} as its source.
     *
     * @return the rows of its {@code RETURNING} clause, each as the statement gives them
     */
    List<Object[]> upsert(Connection c, RollupTable t, List<Object[]> rows, String returning)
        throws SQLException;
  }

  /**
   * The tables merged after {@link RollupTable#MEMBERS} and {@link RollupTable#SEEN}, whose new and
   * moved rows add to the counts.
   */
  static final List<RollupTable> AFTER_MEMBERS =
      List.of(RollupTable.DAYS, RollupTable.COUNTS, RollupTable.LATEST, RollupTable.INSTALLATIONS);

  /** What {@link RollupTable#MEMBERS}' upsert returns: the new rows' keys but the member. */
  static final String MEMBERS_RETURNING = "product, family, scope, day";

  /** What {@link RollupTable#SEEN}'s upsert returns: each new or moved row's days, and before. */
  static final String SEEN_RETURNING =
      "product, family, scope, name, first_day, last_day, prev_first, prev_last";

  /** {@link #SEEN_RETURNING} and the member, for {@link UpgradeMoves} on PostgreSQL. */
  static final String SEEN_RETURNING_MEMBER = SEEN_RETURNING + ", member";

  /**
   * Merges the delta into the rollup tables; members and seen rows first, since new members and
   * moved seen rows add to the counts.
   */
  static void apply(Connection c, RollupDelta delta, Staging staging) throws SQLException {
    if (delta.isEmpty()) {
      return;
    }
    List<Object[]> members = delta.rows(RollupTable.MEMBERS);
    if (!members.isEmpty()) {
      for (Object[] r : staging.upsert(c, RollupTable.MEMBERS, members, MEMBERS_RETURNING)) {
        delta.memberAdded((String) r[0], (String) r[1], (String) r[2], (LocalDate) r[3]);
      }
    }
    List<Object[]> seen = delta.rows(RollupTable.SEEN);
    if (!seen.isEmpty()) {
      boolean moves = staging == POSTGRES;
      List<Object[]> returned =
          staging.upsert(c, RollupTable.SEEN, seen, moves ? SEEN_RETURNING_MEMBER : SEEN_RETURNING);
      for (Object[] r : returned) {
        delta.seenMoved(r);
      }
      if (moves) {
        UpgradeMoves.count(c, returned, delta);
      }
    }
    for (RollupTable t : AFTER_MEMBERS) {
      List<Object[]> rows = delta.rows(t);
      if (!rows.isEmpty()) {
        staging.upsert(c, t, rows, null);
      }
    }
  }

  /**
   * Before work that ends with {@link #recountSeen}, first in its transaction: on PostgreSQL, where
   * other servers write at once, their writes to the seen rows and the counts wait until it has
   * committed (else a move committed between the recount's delete and its insert would count twice,
   * or fail it). DuckDB has one writer, and its merge is kept out of such work already.
   */
  static void lockForRecount(Connection c) throws SQLException {
    if (postgres(c)) {
      execute(c, "LOCK TABLE rollup_seen, rollup_counts IN SHARE ROW EXCLUSIVE MODE");
    }
  }

  private static boolean postgres(Connection c) throws SQLException {
    return c.getMetaData().getDatabaseProductName().equals("PostgreSQL");
  }

  /**
   * Counts {@link RollupTable#SEEN}'s rows again by first and last day ({@link RollupTable#COUNTS}'
   * {@code seen_first} and {@code seen_last}), for one product or (null) all: after work that
   * deletes or rewrites seen rows in bulk (retention, erasure) and for a store whose seen rows were
   * kept before those counts were (after {@link #lockForRecount}). PostgreSQL's migration V6 says
   * the same. On PostgreSQL the upgrade moves too ({@link UpgradeMoves#recount}), which are made of
   * the same rows.
   */
  static void recountSeen(Connection c, String product) throws SQLException {
    String mine = product == null ? "" : " AND product = ?";
    Object[] params = product == null ? new Object[0] : new Object[] {product};
    execute(
        c,
        "DELETE FROM rollup_counts WHERE family IN ('"
            + RollupDelta.SEEN_FIRST
            + "', '"
            + RollupDelta.SEEN_LAST
            + "')"
            + mine,
        params);
    String families = "'" + String.join("', '", RollupDelta.COUNTED_SEEN) + "'";
    for (String[] by :
        new String[][] {
          {"first_day", RollupDelta.SEEN_FIRST}, {"last_day", RollupDelta.SEEN_LAST}
        }) {
      execute(
          c,
          "INSERT INTO rollup_counts (product, day, scope, family, name, sub, n) SELECT product, "
              + by[0]
              + ", scope, '"
              + by[1]
              + "', name, family, count(*) FROM rollup_seen WHERE family IN ("
              + families
              + ") AND "
              + by[0]
              + " IS NOT NULL"
              + mine
              + " GROUP BY product, "
              + by[0]
              + ", scope, name, family",
          params);
    }
    if (postgres(c)) {
      UpgradeMoves.recount(c, product);
    }
  }

  /**
   * {@link RollupTable#DAYS} made from {@code rollup_members}, for a store whose rollups were kept
   * before that table was (PostgreSQL's migration V5 says the same); merged with rows there.
   */
  static final String DAYS_FROM_MEMBERS =
      "INSERT INTO rollup_days (product, family, scope, member, span, days) "
          + daysOf("rollup_members")
          + " ON CONFLICT (product, family, scope, member, span)"
          + " DO UPDATE SET days = rollup_days.days | excluded.days";

  /**
   * The {@link RollupTable#DAYS} rows of a table of {@link RollupTable#MEMBERS}' columns, in both
   * dialects: each active member's days, a bit each, OR-ed per span.
   */
  static String daysOf(String members) {
    int n = RollupTable.SPAN_DAYS;
    return "SELECT product, family, scope, member, span,"
        + " bit_or(CAST(1 AS BIGINT) << CAST(day - span AS INTEGER)) AS days FROM (SELECT product,"
        + " family, scope, member, day, day - CAST((((day - DATE '1970-01-01') % "
        + n
        + ") + "
        + n
        + ") % "
        + n
        + " AS INTEGER) AS span FROM "
        + members
        + " WHERE family = '"
        + RollupDelta.ACTIVE
        + "') m GROUP BY product, family, scope, member, span";
  }

  /** A store's names for the column types. */
  static Map<RollupTable.Type, String> types(String text, String dbl, String json) {
    Map<RollupTable.Type, String> m = new EnumMap<>(RollupTable.Type.class);
    m.put(RollupTable.Type.TEXT, text);
    m.put(RollupTable.Type.DATE, "DATE");
    m.put(RollupTable.Type.DOUBLE, dbl);
    m.put(RollupTable.Type.BIGINT, "BIGINT");
    m.put(RollupTable.Type.TIMESTAMP, "TIMESTAMP");
    m.put(RollupTable.Type.JSON, json);
    return m;
  }

  /**
   * {@code CREATE TABLE IF NOT EXISTS} for a rollup table (with its key and the columns it keeps)
   * or its staging twin.
   */
  static String create(
      RollupTable t, Map<RollupTable.Type, String> types, String prefix, String name, boolean key) {
    StringBuilder sb = new StringBuilder(prefix + " " + name + " (");
    List<RollupTable.Column> columns = new ArrayList<>(t.columns);
    if (key) {
      columns.addAll(t.kept);
    }
    for (RollupTable.Column col : columns) {
      sb.append(col.name()).append(' ').append(types.get(col.type()));
      if (key && t.key.contains(col.name())) {
        sb.append(" NOT NULL");
      }
      sb.append(", ");
    }
    if (key) {
      sb.append("PRIMARY KEY (").append(String.join(", ", t.key)).append("))");
    } else {
      sb.setLength(sb.length() - 2);
      sb.append(')');
    }
    return sb.toString();
  }

  /**
   * Rollups of days before the cutoff are deleted; a member's first day stays (it is when the
   * installation was first seen), a member whose last day is before it goes.
   */
  static long deleteBefore(Connection c, LocalDate cutoff) throws SQLException {
    lockForRecount(c);
    LocalDateTime start = cutoff.atStartOfDay();
    long n = 0;
    n += execute(c, "DELETE FROM rollup_counts WHERE day < ?", cutoff);
    n += execute(c, "DELETE FROM rollup_members WHERE day < ?", cutoff);
    // The span that holds the cutoff loses its bits before it; the spans before go whole.
    LocalDate span = LocalDate.ofEpochDay(RollupTable.spanStart(cutoff.toEpochDay()));
    long kept =
        RollupTable.spanBits(cutoff.toEpochDay() - span.toEpochDay(), RollupTable.SPAN_DAYS);
    execute(c, "UPDATE rollup_days SET days = days & ? WHERE span = ?", kept, span);
    n += execute(c, "DELETE FROM rollup_days WHERE span < ? OR days = 0", span);
    n += execute(c, "DELETE FROM rollup_seen WHERE last_day < ?", cutoff);
    recountSeen(c, null); // the seen counts of days before the cutoff were deleted above
    n += execute(c, "DELETE FROM rollup_latest WHERE ts < ?", start);
    n +=
        execute(
            c,
            "DELETE FROM rollup_installations WHERE (version_ts IS NULL OR version_ts < ?)"
                + " AND (os_ts IS NULL OR os_ts < ?)",
            start,
            start);
    return n;
  }

  /** One statement with its parameters, in the caller's transaction; answers the rows changed. */
  static long execute(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      return ps.executeLargeUpdate();
    }
  }

  /** Deletes a product's rollups (before they are rebuilt from its raw events). */
  static void deleteProduct(Connection c, String product) throws SQLException {
    for (RollupTable t : RollupTable.values()) {
      try (PreparedStatement ps =
          c.prepareStatement("DELETE FROM " + t.table + " WHERE product = ?")) {
        ps.setString(1, product);
        ps.executeUpdate();
      }
    }
  }

  /**
   * PostgreSQL: each column as an array parameter, {@code unnest} as the source (one round trip);
   * text holds no NUL there, so it becomes U+FFFD as in the events. The rows go in the order of
   * their keys: servers writing at once lock the rows they share (a day's counts, above all) in the
   * same order, so they wait for each other instead of deadlocking.
   */
  static final Staging POSTGRES =
      (c, t, unordered, returning) -> {
        List<Object[]> rows = inKeyOrder(t, unordered);
        int n = rows.size();
        StringBuilder source = new StringBuilder("unnest(");
        for (int col = 0; col < t.columns.size(); col++) {
          source
              .append(col == 0 ? "" : ", ")
              .append("?::")
              .append(
                  switch (t.columns.get(col).type()) {
                    case TEXT -> "text";
                    case DATE -> "date";
                    case DOUBLE -> "float8";
                    case BIGINT -> "int8";
                    case TIMESTAMP -> "timestamp";
                    case JSON -> "jsonb";
                  })
              .append("[]");
        }
        source.append(") AS s(").append(t.columnList()).append(')');
        try (PreparedStatement ps = c.prepareStatement(t.upsert(source.toString(), returning))) {
          for (int col = 0; col < t.columns.size(); col++) {
            String[] values = new String[n];
            for (int i = 0; i < n; i++) {
              Object v = rows.get(i)[col];
              values[i] = v == null ? null : PostgresStore.withoutNul(v.toString());
            }
            ps.setArray(col + 1, c.createArrayOf("text", values));
          }
          return run(ps, t, returning);
        }
      };

  /** The rows sorted by the table's key (nulls first); a copy. */
  static List<Object[]> inKeyOrder(RollupTable t, List<Object[]> rows) {
    int[] at = new int[t.key.size()];
    for (int k = 0; k < at.length; k++) {
      at[k] = t.columns.indexOf(t.column(t.key.get(k)));
    }
    List<Object[]> sorted = new ArrayList<>(rows);
    sorted.sort(
        (a, b) -> {
          for (int i : at) {
            int d = compareValues(a[i], b[i]);
            if (d != 0) {
              return d;
            }
          }
          return 0;
        });
    return sorted;
  }

  @SuppressWarnings("unchecked") // a key column holds one type: String or LocalDate
  private static int compareValues(Object a, Object b) {
    if (a == null || b == null) {
      return a == null ? (b == null ? 0 : -1) : 1;
    }
    return ((Comparable<Object>) a).compareTo(b);
  }

  /**
   * DuckDB: rows go through an appender into a temporary twin of the table (no WAL, in the open
   * transaction), then one {@code INSERT ... SELECT} merges them. The appenders are kept open.
   */
  static final class DuckDbStaging implements Staging {
    private final Map<RollupTable, DuckDBAppender> appenders = new EnumMap<>(RollupTable.class);

    /**
     * What {@link #createTables} added to a store that had rollups before: each is to be made from
     * the rows there once those a crash left pending are merged.
     *
     * @param days {@link RollupTable#DAYS}: from the members ({@link #DAYS_FROM_MEMBERS})
     * @param seenCounts {@link RollupTable#SEEN}'s kept columns: the seen counts ({@link
     *     #recountSeen})
     */
    record Added(boolean days, boolean seenCounts) {}

    /** Creates the rollup tables that are not there yet, and the columns they lack. */
    static Added createTables(DuckDBConnection c) throws SQLException {
      Map<RollupTable.Type, String> types = types("VARCHAR", "DOUBLE", "VARCHAR");
      try (Statement s = c.createStatement()) {
        boolean days = has(s, "rollup_members", null) && !has(s, "rollup_days", null);
        boolean seenCounts =
            has(s, "rollup_seen", null) && !has(s, "rollup_seen", RollupTable.SEEN.kept.get(0));
        for (RollupTable t : RollupTable.values()) {
          s.execute(create(t, types, "CREATE TABLE IF NOT EXISTS", t.table, true));
          s.execute(create(t, types, "CREATE TEMP TABLE IF NOT EXISTS", stage(t), false));
          for (RollupTable.Column col : t.kept) {
            s.execute(
                "ALTER TABLE "
                    + t.table
                    + " ADD COLUMN IF NOT EXISTS "
                    + col.name()
                    + " "
                    + types.get(col.type()));
          }
        }
        return new Added(days, seenCounts);
      }
    }

    /** Whether the store has the table (and the column, unless null). */
    private static boolean has(Statement s, String table, RollupTable.Column column)
        throws SQLException {
      try (ResultSet rs =
          s.executeQuery(
              column == null
                  ? "SELECT count(*) FROM duckdb_tables() WHERE table_name = '" + table + "'"
                  : "SELECT count(*) FROM duckdb_columns() WHERE table_name = '"
                      + table
                      + "' AND column_name = '"
                      + column.name()
                      + "'")) {
        rs.next();
        return rs.getLong(1) > 0;
      }
    }

    private static String stage(RollupTable t) {
      return "stage_" + t.table;
    }

    /** Up to this many rows go in one statement's VALUES. */
    private static final int FEW = 16;

    @Override
    public List<Object[]> upsert(Connection c, RollupTable t, List<Object[]> rows, String returning)
        throws SQLException {
      if (rows.size() <= FEW) {
        // One statement, its rows as parameters, instead of the staging table's three.
        StringBuilder values = new StringBuilder("(VALUES ");
        String row = "(" + "?, ".repeat(t.columns.size() - 1) + "?)";
        for (int i = 0; i < rows.size(); i++) {
          values.append(i == 0 ? "" : ", ").append(row);
        }
        values.append(") AS v(").append(t.columnList()).append(')');
        try (PreparedStatement ps = c.prepareStatement(t.upsert(values.toString(), returning))) {
          int n = 1;
          for (Object[] r : rows) {
            for (int col = 0; col < r.length; col++) {
              bind(ps, n++, r[col], t.columns.get(col).type());
            }
          }
          return run(ps, t, returning);
        }
      }
      // Statements are prepared at each write: a prepared statement over the temporary table, run
      // again after the table changed, merged wrong rows (duckdb_jdbc 1.5.6; the property test
      // caught it), and one prepared before the table had rows failed on invalid UTF-8.
      try (Statement s = c.createStatement()) {
        // A statement first: it opens the transaction, which the appender's flush then joins.
        s.execute("DELETE FROM " + stage(t));
      }
      DuckDBAppender a = appenders.get(t);
      if (a == null) {
        a = ((DuckDBConnection) c).createAppender("temp", "main", stage(t));
        appenders.put(t, a);
      }
      appendRows(a, rows);
      try (PreparedStatement up = c.prepareStatement(t.upsert(stage(t), returning))) {
        return run(up, t, returning);
      }
    }

    private static void bind(PreparedStatement ps, int i, Object v, RollupTable.Type type)
        throws SQLException {
      if (v == null) {
        ps.setNull(
            i,
            switch (type) {
              case DATE -> Types.DATE;
              case TIMESTAMP -> Types.TIMESTAMP;
              case DOUBLE -> Types.DOUBLE;
              case BIGINT -> Types.BIGINT;
              case TEXT, JSON -> Types.VARCHAR;
            });
      } else {
        ps.setObject(i, v);
      }
    }

    /** Empties the staging tables (an erasure leaves no copy of what they held). */
    void empty(Connection c) throws SQLException {
      try (Statement s = c.createStatement()) {
        for (RollupTable t : RollupTable.values()) {
          s.execute("DELETE FROM " + stage(t));
        }
      }
    }

    /** Closes the appenders (a failed write may have left one mid-row); new ones are made. */
    void reset() {
      closeAll(appenders);
    }
  }

  /** Closes kept appenders (a failed write may have left one mid-row) and forgets them. */
  static void closeAll(Map<RollupTable, DuckDBAppender> appenders) {
    for (DuckDBAppender a : appenders.values()) {
      try {
        a.close();
      } catch (SQLException ignored) {
        // replaced anyway
      }
    }
    appenders.clear();
  }

  /** Appends rows of a rollup table's columns through an appender, and flushes it. */
  static void appendRows(DuckDBAppender a, List<Object[]> rows) throws SQLException {
    for (Object[] row : rows) {
      a.beginRow();
      for (Object v : row) {
        switch (v) {
          case null -> a.appendNull();
          case String str -> a.append(str);
          case LocalDate d -> a.append(d);
          case LocalDateTime ts -> a.append(ts);
          case Double d -> a.append(d.doubleValue());
          case Long l -> a.append(l.longValue());
          default -> throw new IllegalArgumentException("cannot stage " + v.getClass());
        }
      }
      a.endRow();
    }
    a.flush();
  }

  /** Runs the upsert; answers its RETURNING rows, each column typed as the table types it. */
  static List<Object[]> run(PreparedStatement ps, RollupTable t, String returning)
      throws SQLException {
    if (returning == null) {
      ps.executeUpdate();
      return List.of();
    }
    List<RollupTable.Type> types = new ArrayList<>();
    for (String name : returning.split(",", -1)) {
      types.add(t.column(name.strip()).type());
    }
    List<Object[]> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Object[] row = new Object[types.size()];
        for (int i = 0; i < row.length; i++) {
          row[i] =
              types.get(i) == RollupTable.Type.DATE
                  ? rs.getObject(i + 1, LocalDate.class)
                  : rs.getString(i + 1);
        }
        out.add(row);
      }
    }
    return out;
  }
}
