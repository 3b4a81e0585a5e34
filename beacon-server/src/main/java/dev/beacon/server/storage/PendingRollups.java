package dev.beacon.server.storage;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * DuckDB's rollups, written in two steps. Each group commit appends its {@link RollupDelta}'s rows
 * to a pending twin of each rollup table (no key: an append costs microseconds), in the events'
 * transaction, so the rows are as durable as the events. A merge then folds the pending rows into
 * the rollup tables with one {@code INSERT ... ON CONFLICT} per table and empties them.
 *
 * <p>Why: DuckDB's {@code ON CONFLICT} costs 10-30 ms a statement whatever its number of rows
 * (duckdb_jdbc 1.5.6, measured 2026-12-07: 16 rows 12 ms, 1,024 rows 19 ms, a plain insert of 1,024
 * rows into the same keyed table 9 ms), so five upserts in every group commit held single reports
 * to ~1,000 a second. Merged at most every {@link #MERGE_AFTER_NANOS}, they cost the writer a tenth
 * of a second a second, whatever the rate. The fleet queries merge first ({@link DuckDbStore}), so
 * an answer always counts every event stored before it was asked.
 */
final class PendingRollups {
  /** A merge is due this long after the first pending row. */
  static final long MERGE_AFTER_NANOS = 1_000_000_000L;

  /** ... or once this many rows wait, whichever comes first. */
  static final long MERGE_ROWS = 200_000;

  /** Merged after the members, whose new rows add to the counts. */
  private static final List<RollupTable> AFTER_MEMBERS =
      List.of(RollupTable.COUNTS, RollupTable.SEEN, RollupTable.LATEST, RollupTable.INSTALLATIONS);

  private final Map<RollupTable, DuckDBAppender> appenders = new EnumMap<>(RollupTable.class);
  private long rows;
  private long firstNanos;

  static String table(RollupTable t) {
    return "pending_" + t.table;
  }

  /** Creates the pending tables; rows found there (a crash before their merge) are counted. */
  void open(DuckDBConnection c) throws SQLException {
    Map<RollupTable.Type, String> types = RollupSql.types("VARCHAR", "DOUBLE", "VARCHAR");
    try (Statement s = c.createStatement()) {
      for (RollupTable t : RollupTable.values()) {
        s.execute(RollupSql.create(t, types, "CREATE TABLE IF NOT EXISTS", table(t), false));
      }
      long found = 0;
      for (RollupTable t : RollupTable.values()) {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table(t))) {
          rs.next();
          found += rs.getLong(1);
        }
      }
      rows = found;
      firstNanos = System.nanoTime();
    }
  }

  /** Rows wait to be merged. */
  boolean any() {
    return rows > 0;
  }

  /** A merge is due: rows have waited long enough, or too many wait. */
  boolean due() {
    return rows > 0 && (rows >= MERGE_ROWS || System.nanoTime() - firstNanos >= MERGE_AFTER_NANOS);
  }

  /**
   * Appends the delta's rows to the pending tables, in the connection's open transaction (the
   * caller has run a statement in it: an appender's flush outside one would commit on its own).
   */
  void append(DuckDBConnection c, RollupDelta delta) throws SQLException {
    if (delta.isEmpty()) {
      return;
    }
    long added = 0;
    for (RollupTable t : RollupTable.values()) {
      List<Object[]> list = delta.rows(t);
      if (!list.isEmpty()) {
        append(c, t, list);
        added += list.size();
      }
    }
    if (rows == 0 && added > 0) {
      firstNanos = System.nanoTime();
    }
    rows += added;
  }

  private void append(DuckDBConnection c, RollupTable t, List<Object[]> list) throws SQLException {
    DuckDBAppender a = appenders.get(t);
    if (a == null) {
      a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, table(t));
      appenders.put(t, a);
    }
    RollupSql.appendRows(a, list);
  }

  /**
   * Folds every pending row into the rollup tables and empties the pending ones, in the caller's
   * transaction (not committed here). Members go first: each new one adds to its day's count.
   */
  void merge(DuckDBConnection c) throws SQLException {
    if (rows == 0) {
      return;
    }
    // Each new member adds one to its day's count, as in a group commit (RollupSql.apply).
    RollupDelta newMembers = new RollupDelta();
    try (var ps =
            c.prepareStatement(
                RollupTable.MEMBERS.upsert(
                    source(RollupTable.MEMBERS), "product, family, scope, day"));
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        newMembers.memberAdded(
            rs.getString(1), rs.getString(2), rs.getString(3), rs.getObject(4, LocalDate.class));
      }
    }
    List<Object[]> added = newMembers.rows(RollupTable.COUNTS);
    if (!added.isEmpty()) {
      // Not through the appender: it belongs to the thread that writes, and a query's thread
      // merges too. These are a few rows (a day, scope and family each).
      try (var ps =
          c.prepareStatement(
              "INSERT INTO " + table(RollupTable.COUNTS) + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        for (Object[] row : added) {
          for (int i = 0; i < row.length; i++) {
            ps.setObject(i + 1, row[i]);
          }
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    try (Statement s = c.createStatement()) {
      for (RollupTable t : AFTER_MEMBERS) {
        s.execute(t.upsert(source(t), null));
      }
      for (RollupTable t : RollupTable.values()) {
        s.execute("DELETE FROM " + table(t));
      }
    }
    rows = 0;
  }

  /** The pending rows of a table as its upsert's source: one row a key, as one delta would give. */
  private static String source(RollupTable t) {
    String p = table(t);
    return switch (t) {
      case COUNTS ->
          "(SELECT product, day, scope, family, name, sub, sum(n) AS n FROM "
              + p
              + " GROUP BY product, day, scope, family, name, sub) AS s";
      case MEMBERS -> "(SELECT DISTINCT product, family, scope, day, member FROM " + p + ") AS s";
      case SEEN ->
          "(SELECT product, family, scope, name, member, min(first_day) AS first_day,"
              + " max(last_day) AS last_day FROM "
              + p
              + " GROUP BY product, family, scope, name, member) AS s";
      // The latest report; of two at the same time, the one appended first (as the upsert keeps
      // the row it has when times are equal).
      case LATEST ->
          "(SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY product, scope,"
              + " installation_id ORDER BY ts DESC, rowid) AS r FROM "
              + p
              + ") WHERE r = 1) AS s";
      case INSTALLATIONS ->
          "(SELECT product, installation_id,"
              + " first(version ORDER BY version_ts DESC NULLS LAST, rowid) AS version,"
              + " max(version_ts) AS version_ts,"
              + " first(os ORDER BY os_ts DESC NULLS LAST, rowid) AS os, max(os_ts) AS os_ts FROM "
              + p
              + " GROUP BY product, installation_id) AS s";
    };
  }

  /** Closes the appenders (a failed write may have left one mid-row); new ones are made. */
  void reset() {
    RollupSql.closeAll(appenders);
  }

  /**
   * After a rollback: the rows it appended are gone, but a merge it held is undone too, so rows may
   * wait that the count no longer knows of; the next read or write merges to be sure.
   */
  void rolledBack() {
    reset();
    rows = Math.max(rows, 1);
  }
}
