package dev.beacon.server.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * DuckDB's rollups, merged apart from the group commits. A group commit stores its events, each
 * with the group's sequence number ({@code events.seq}), and hands its {@link RollupDelta}'s rows
 * here, in memory, once committed. A merge, at most every {@link #MERGE_AFTER_NANOS} (or once
 * {@link #MERGE_ROWS} rows wait), appends them to a staging twin of each rollup table, folds those
 * into the rollup tables with one {@code INSERT ... ON CONFLICT} per table, empties them and moves
 * the watermark ({@code rollup_merged.seq}: every group up to it is counted) in one transaction.
 *
 * <p>The rows in memory are only a cache of the groups after the watermark: after a crash, or a
 * rolled-back transaction that may have held a merge, they are made again from those groups' events
 * ({@code seq > watermark}), so every stored event is counted exactly once.
 *
 * <p>Why: DuckDB's {@code ON CONFLICT} costs 10-30 ms a statement whatever its number of rows
 * (duckdb_jdbc 1.5.6, measured 2026-12-07: 16 rows 12 ms, 1,024 rows 19 ms), so upserts in every
 * group commit held single reports to ~1,000 a second; and appending the rows to durable pending
 * tables in every group (an EMQX report gives 11) cost a group commit about as much as its events
 * (issue 20: 3-5 ms of a 12-15 ms group of 32 reports, and twice the rows in the WAL). The fleet
 * queries merge first ({@link DuckDbStore}), so an answer always counts every event stored before
 * it was asked.
 */
final class PendingRollups {
  /** A merge is due this long after the first waiting row. */
  static final long MERGE_AFTER_NANOS = 1_000_000_000L;

  /** ... or once this many rows wait, whichever comes first. */
  static final long MERGE_ROWS = 200_000;

  /** Merged after the members, whose new rows add to the counts. */
  private static final List<RollupTable> AFTER_MEMBERS =
      List.of(RollupTable.COUNTS, RollupTable.SEEN, RollupTable.LATEST, RollupTable.INSTALLATIONS);

  private final Map<RollupTable, List<Object[]>> waiting = new EnumMap<>(RollupTable.class);
  private long rows; // in memory, and in the staging tables (left there by an older version)
  private long firstNanos;
  private long lastSeq; // the newest committed group's
  private boolean recover; // the groups after the watermark are to be read from their events

  static String table(RollupTable t) {
    return "pending_" + t.table;
  }

  /**
   * Creates the staging tables and the watermark; rows an older version left in the staging tables
   * are counted, and groups stored after the watermark (a crash before their merge) are to be read
   * again from their events at the first merge. The events table has its {@code seq} column.
   */
  void open(DuckDBConnection c) throws SQLException {
    Map<RollupTable.Type, String> types = RollupSql.types("VARCHAR", "DOUBLE", "VARCHAR");
    try (Statement s = c.createStatement()) {
      for (RollupTable t : RollupTable.values()) {
        s.execute(RollupSql.create(t, types, "CREATE TABLE IF NOT EXISTS", table(t), false));
      }
      s.execute("CREATE TABLE IF NOT EXISTS rollup_merged (seq BIGINT NOT NULL)");
      long watermark;
      try (ResultSet rs = s.executeQuery("SELECT max(seq) FROM rollup_merged")) {
        rs.next();
        watermark = rs.getLong(1);
        if (rs.wasNull()) {
          s.execute("INSERT INTO rollup_merged VALUES (0)");
        }
      }
      long found = 0;
      for (RollupTable t : RollupTable.values()) {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table(t))) {
          rs.next();
          found += rs.getLong(1);
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT coalesce(max(seq), 0) FROM events")) {
        rs.next();
        lastSeq = Math.max(rs.getLong(1), watermark);
      }
      rows = found;
      recover = lastSeq > watermark;
      firstNanos = System.nanoTime();
    }
  }

  /** Rows wait to be merged. */
  boolean any() {
    return rows > 0 || recover;
  }

  /** A merge is due: rows have waited long enough, or too many wait. */
  boolean due() {
    return recover
        || (rows > 0
            && (rows >= MERGE_ROWS || System.nanoTime() - firstNanos >= MERGE_AFTER_NANOS));
  }

  /** The sequence number of the next group commit (its events' {@code seq}). */
  long nextSeq() {
    return lastSeq + 1;
  }

  /**
   * Group {@code seq} is committed: its rows wait in memory for the next merge (unless the groups
   * are to be read from their events anyway).
   */
  void committed(long seq, RollupDelta delta) {
    lastSeq = seq;
    if (recover || delta.isEmpty()) {
      return;
    }
    long added = 0;
    for (RollupTable t : RollupTable.values()) {
      List<Object[]> list = delta.rows(t);
      if (!list.isEmpty()) {
        waiting.computeIfAbsent(t, k -> new ArrayList<>()).addAll(list);
        added += list.size();
      }
    }
    if (rows == 0 && added > 0) {
      firstNanos = System.nanoTime();
    }
    rows += added;
  }

  /**
   * Folds every waiting row into the rollup tables (through the staging tables), empties those and
   * moves the watermark to the newest committed group, in the caller's transaction (not committed
   * here). Members go first: each new one adds to its day's count.
   */
  void merge(DuckDBConnection c) throws SQLException {
    if (!any()) {
      return;
    }
    if (recover) {
      waiting.clear();
      RollupDelta again = readAgain(c);
      for (RollupTable t : RollupTable.values()) {
        waiting.put(t, again.rows(t));
      }
    }
    stage(c);
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
      // A few rows (a day, scope and family each): a prepared batch.
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
      s.execute("UPDATE rollup_merged SET seq = " + lastSeq);
    }
    // Should the caller's transaction roll back, rolledBack() reads these groups again.
    waiting.clear();
    rows = 0;
    recover = false;
  }

  /** The rollups of every group after the watermark, made again from their events. */
  private RollupDelta readAgain(DuckDBConnection c) throws SQLException {
    RollupDelta delta = new RollupDelta();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + SqlReads.columns("")
                + " FROM events WHERE seq > (SELECT max(seq) FROM rollup_merged)")) {
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          delta.add(SqlReads.event(rs));
        }
      }
    }
    return delta;
  }

  /**
   * Appends the rows waiting in memory to the staging tables, through appenders made and closed
   * here (a query's thread merges too, and an appender is used by the thread that made it).
   */
  private void stage(DuckDBConnection c) throws SQLException {
    for (Map.Entry<RollupTable, List<Object[]>> e : waiting.entrySet()) {
      if (e.getValue().isEmpty()) {
        continue;
      }
      try (DuckDBAppender a =
          c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, table(e.getKey()))) {
        RollupSql.appendRows(a, e.getValue());
      }
    }
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

  /**
   * After a rollback: a merge it held is undone too, so the groups after the watermark are read
   * again from their events at the next merge (which the next read or write makes).
   */
  void rolledBack() {
    waiting.clear();
    rows = 0;
    recover = true;
  }
}
