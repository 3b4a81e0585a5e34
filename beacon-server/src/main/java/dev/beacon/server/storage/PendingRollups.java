package dev.beacon.server.storage;

import dev.beacon.server.Background;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DuckDB's rollups, merged beside the group commits. A group commit stores its events, each with
 * the group's sequence number ({@code events.seq}), and hands its {@link RollupDelta}'s rows here,
 * in memory, once committed. A merge, on a connection and a thread of its own ({@code
 * beacon-rollups}) once rows have waited {@link #MERGE_AFTER_NANOS} (or {@link #MERGE_ROWS} of them
 * wait), appends them to a staging twin of each rollup table, folds those into the rollup tables
 * with one {@code INSERT ... ON CONFLICT} per table, empties them and moves the watermark ({@code
 * rollup_merged.seq}: every group up to it is counted) in one transaction. The writer goes on
 * committing groups meanwhile: the merge writes other tables than the events'.
 *
 * <p>The rows in memory are only a cache of the groups after the watermark: after a crash, a stop,
 * or a merge that failed, they are made again from those groups' events ({@code seq > watermark}),
 * so every stored event is counted exactly once.
 *
 * <p>Why: DuckDB's {@code ON CONFLICT} costs 10-30 ms a statement whatever its number of rows
 * (duckdb_jdbc 1.5.6, measured 2026-12-07: 16 rows 12 ms, 1,024 rows 19 ms), so upserts in every
 * group commit held single reports to ~1,000 a second; appending the rows to durable pending tables
 * in every group (an EMQX report gives 11) cost a group commit about as much as its events (3-5 ms
 * of a 12-15 ms group of 32 reports, and twice the rows in the WAL); and a merge on the writer's
 * thread paused every request 0.2-0.5 s a second under load (issue 20). The fleet queries merge
 * first ({@link #mergeNow}), so an answer always counts every event stored before it was asked.
 *
 * <p>Locks, always taken in this order: the store's write lock, then {@link #mergeLock} (one merge
 * at a time, and no merge beside work that changes the rollup tables: {@link #exclusive}), then
 * this object's monitor (the rows in memory).
 */
final class PendingRollups implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PendingRollups.class);

  /** A merge is due this long after the first waiting row. */
  static final long MERGE_AFTER_NANOS = 1_000_000_000L;

  /** ... or once this many rows wait, whichever comes first. */
  static final long MERGE_ROWS = 200_000;

  /**
   * The tables whose rows wait and are staged; {@link RollupTable#DAYS} is made at the merge from
   * the staged members (in SQL, on the merge's thread: the writer neither builds nor holds them).
   */
  private static final List<RollupTable> STAGED =
      Arrays.stream(RollupTable.values()).filter(t -> t != RollupTable.DAYS).toList();

  /** Past this many rows waiting, the writer waits for the merge to take them (memory's bound). */
  static final long MAX_WAITING_ROWS = 3 * MERGE_ROWS;

  /** After a merge failed, the next one in the background waits this long (no log flood). */
  private static final long RETRY_NANOS = 5_000_000_000L;

  private final Object mergeLock = new Object();
  private DuckDBConnection merger; // used under mergeLock only
  private ScheduledExecutorService background;
  // Under mergeLock; a time, not 0: System.nanoTime() may be negative on some platforms.
  private long retryAfterNanos = System.nanoTime();

  // Under this object's monitor:
  private Map<RollupTable, List<Object[]>> waiting = new EnumMap<>(RollupTable.class);
  private long rows; // in memory, and in the staging tables (left there by an older version)
  private long firstNanos;
  private long lastSeq; // the newest committed group's
  private boolean recover; // the groups after the watermark are to be read from their events
  private boolean closed;

  static String table(RollupTable t) {
    return "pending_" + t.table;
  }

  /**
   * Creates the staging tables and the watermark, and the merge's own connection; rows an older
   * version left in the staging tables are counted, and groups stored after the watermark (a crash
   * before their merge) are to be read again from their events at the first merge. The events table
   * has its {@code seq} column.
   */
  synchronized void open(DuckDBConnection c) throws SQLException {
    Map<RollupTable.Type, String> types = RollupSql.types("VARCHAR", "DOUBLE", "VARCHAR");
    try (Statement s = c.createStatement()) {
      for (RollupTable t : STAGED) {
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
      for (RollupTable t : STAGED) {
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
    merger = c.duplicate();
    merger.setAutoCommit(false);
  }

  /** Starts merging in the background, when due. */
  void start() {
    background = Background.scheduler("beacon-rollups");
    Background.repeat(
        background,
        "rollup merge",
        LOG,
        this::mergeIfDue,
        Duration.ofMillis(100),
        Duration.ofMillis(100));
  }

  private void mergeIfDue() {
    synchronized (mergeLock) {
      if (!due() || System.nanoTime() - retryAfterNanos < 0) {
        return;
      }
      try {
        mergeLocked();
      } catch (SQLException | RuntimeException e) {
        retryAfterNanos = System.nanoTime() + RETRY_NANOS;
        LOG.warn(
            "rollup merge failed ({}); the rows are made again from their events at the next",
            StorageException.describe(e));
      }
    }
  }

  /** Rows wait to be merged. */
  synchronized boolean any() {
    return rows > 0 || recover;
  }

  /** A merge is due: rows have waited long enough, or too many wait. */
  synchronized boolean due() {
    return recover
        || (rows > 0
            && (rows >= MERGE_ROWS || System.nanoTime() - firstNanos >= MERGE_AFTER_NANOS));
  }

  /** The sequence number of the next group commit (its events' {@code seq}). */
  synchronized long nextSeq() {
    return lastSeq + 1;
  }

  /**
   * Waits, before a group commit, while too many rows wait for a merge (a merge slower than the
   * ingest would otherwise grow memory without bound): the requests wait, as for a slow commit.
   */
  synchronized void awaitRoom() throws InterruptedException {
    while (rows > MAX_WAITING_ROWS && !closed) {
      wait(100);
    }
  }

  /**
   * Group {@code seq} is committed: its rows wait in memory for the next merge (unless the groups
   * are to be read from their events anyway).
   */
  synchronized void committed(long seq, RollupDelta delta) {
    lastSeq = seq;
    if (recover || delta.isEmpty()) {
      return;
    }
    long added = 0;
    for (RollupTable t : STAGED) {
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
   * Merges every group committed so far, on the merge's connection, committed: what a query does
   * before it reads the rollup tables. Waits for a merge under way.
   */
  void mergeNow() throws SQLException {
    synchronized (mergeLock) {
      mergeLocked();
    }
  }

  /**
   * Merges every group committed so far, then runs {@code work} with no merge beside it (work on
   * the writer's connection that changes the rollup tables, committed before it returns: a merge
   * beside it would conflict with its rows).
   */
  <T> T exclusive(SqlWork<T> work) throws SQLException {
    synchronized (mergeLock) {
      mergeLocked();
      return work.run();
    }
  }

  /** Work on a connection. */
  interface SqlWork<T> {
    T run() throws SQLException;
  }

  /** The rows taken for one merge: those of the groups up to {@code seqTo}. */
  private record Batch(Map<RollupTable, List<Object[]>> rows, long seqTo, boolean recover) {}

  private synchronized Batch take() {
    Batch b = new Batch(waiting, lastSeq, recover);
    waiting = new EnumMap<>(RollupTable.class);
    rows = 0;
    recover = false;
    notifyAll(); // a writer waiting for room
    return b;
  }

  /** After a failed merge: every group after the watermark is read again from its events. */
  private synchronized void failed() {
    waiting = new EnumMap<>(RollupTable.class);
    rows = 0;
    recover = true;
    notifyAll();
  }

  private void mergeLocked() throws SQLException {
    if (!any()) {
      return;
    }
    Batch b = take();
    try {
      merge(merger, b);
      merger.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        merger.rollback();
      } catch (SQLException ignored) {
        // the connection is broken: the next merge reports it
      }
      failed();
      throw e;
    }
  }

  /**
   * Folds a batch's rows into the rollup tables (through the staging tables), empties those and
   * moves the watermark to the batch's newest group, in the connection's transaction (not committed
   * here). Members go first: each new one adds to its day's count.
   */
  private static void merge(DuckDBConnection c, Batch b) throws SQLException {
    DuckDbStore.openTransaction(c); // before the staging appenders flush
    Map<RollupTable, List<Object[]>> rows = b.rows();
    if (b.recover()) {
      RollupDelta again = readAgain(c, b.seqTo());
      rows = new EnumMap<>(RollupTable.class);
      for (RollupTable t : STAGED) {
        rows.put(t, again.rows(t));
      }
    }
    stage(c, rows);
    // Each new member adds one to its day's count, and each new or moved seen row of a counted
    // family to those of its days, as in a group commit (RollupSql.apply).
    RollupDelta moved = new RollupDelta();
    try (var ps =
        c.prepareStatement(
            RollupTable.MEMBERS.upsert(source(RollupTable.MEMBERS), RollupSql.MEMBERS_RETURNING))) {
      for (Object[] r : RollupSql.run(ps, RollupTable.MEMBERS, RollupSql.MEMBERS_RETURNING)) {
        moved.memberAdded((String) r[0], (String) r[1], (String) r[2], (LocalDate) r[3]);
      }
    }
    try (var ps =
        c.prepareStatement(
            RollupTable.SEEN.upsert(source(RollupTable.SEEN), RollupSql.SEEN_RETURNING))) {
      for (Object[] r : RollupSql.run(ps, RollupTable.SEEN, RollupSql.SEEN_RETURNING)) {
        moved.seenMoved(r);
      }
    }
    List<Object[]> added = moved.rows(RollupTable.COUNTS);
    if (!added.isEmpty()) {
      // A few rows (a day, scope and family each, a day and name each): a prepared batch.
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
      for (RollupTable t : RollupSql.AFTER_MEMBERS) {
        s.execute(t.upsert(source(t), null));
      }
      for (RollupTable t : STAGED) {
        s.execute("DELETE FROM " + table(t));
      }
      s.execute("UPDATE rollup_merged SET seq = " + b.seqTo());
    }
  }

  /** The rollups of the groups after the watermark, up to {@code seqTo}, from their events. */
  private static RollupDelta readAgain(DuckDBConnection c, long seqTo) throws SQLException {
    RollupDelta delta = new RollupDelta();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + SqlReads.columns("")
                + " FROM events WHERE seq > (SELECT max(seq) FROM rollup_merged) AND seq <= ?")) {
      ps.setLong(1, seqTo);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          delta.add(SqlReads.event(rs));
        }
      }
    }
    return delta;
  }

  /**
   * Appends a batch's rows to the staging tables, through appenders made and closed here (a query's
   * thread merges too, and an appender is used by the thread that made it).
   */
  private static void stage(DuckDBConnection c, Map<RollupTable, List<Object[]>> rows)
      throws SQLException {
    for (Map.Entry<RollupTable, List<Object[]>> e : rows.entrySet()) {
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
      // From the staged members, as RollupDelta makes them for PostgreSQL.
      case DAYS -> "(" + RollupSql.daysOf(table(RollupTable.MEMBERS)) + ") AS s";
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

  /** Stops the background merge and closes its connection (rows waiting are read again later). */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    if (background != null) {
      background.shutdown();
      try {
        background.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (mergeLock) {
      if (merger != null) {
        try {
          merger.close();
        } catch (SQLException ignored) {
          // closing anyway
        }
      }
    }
  }
}
