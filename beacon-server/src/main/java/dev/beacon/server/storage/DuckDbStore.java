package dev.beacon.server.storage;

import dev.beacon.server.Memory;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The embedded default: one DuckDB file under the data directory, written through the appender
 * (columnar bulk insert) by one writer at a time; reads use their own connections. Message ids of
 * the dedup window are kept in memory and reloaded at start.
 */
public final class DuckDbStore implements EventStore {
  private final DuckDBConnection writer;
  private DuckDBAppender appender; // kept open: creating one per commit costs more than the rows
  private final Object writeLock = new Object();
  private final RecentMessageIds recent;
  // What recent holds, for /metrics: published under writeLock after each change, read by any.
  private volatile WindowSize windowSize = new WindowSize(0, 0);
  private final Duration dedupWindow;
  private final RollupSql.DuckDbStaging staging = new RollupSql.DuckDbStaging();
  private final PendingRollups pending = new PendingRollups();
  private final RollupCache known = new RollupCache();
  private final int quarantineMax;
  private final long quarantineMaxBytes;
  private final boolean rollups = RollupDelta.maintained();

  public DuckDbStore(Path file, Duration dedupWindow, int dedupCapacity, int quarantineMax) {
    this(file, dedupWindow, dedupCapacity, quarantineMax, EventStore.QUARANTINE_MAX_BYTES);
  }

  public DuckDbStore(
      Path file,
      Duration dedupWindow,
      int dedupCapacity,
      int quarantineMax,
      long quarantineMaxBytes) {
    this.quarantineMax = quarantineMax;
    this.quarantineMaxBytes = quarantineMaxBytes;
    this.recent = new RecentMessageIds(dedupWindow, dedupCapacity);
    this.dedupWindow = dedupWindow;
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        OwnerOnly.directory(parent);
      }
      writer =
          (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath());
      try (Statement s = writer.createStatement()) {
        // Checkpoint (fold the WAL into the file) less often: each one stalls the writer, and a
        // stall is every waiting request's latency. The WAL is still fsynced at every commit.
        s.execute("SET checkpoint_threshold = '256MB'");
        // Half the JVM's heap limit (Memory): DuckDB would take 80 % of the machine otherwise.
        s.execute("SET memory_limit = '" + Memory.duckDbLimitBytes() / (1 << 20) + "MiB'");
        // jemalloc's threads give freed memory back to the system soon, not at the next allocation.
        s.execute("SET allocator_background_threads = true");
        s.execute(
            "CREATE TABLE IF NOT EXISTS events ("
                + " product VARCHAR NOT NULL, message_id VARCHAR NOT NULL, type VARCHAR NOT NULL,"
                + " event VARCHAR, installation_id VARCHAR, cluster_id VARCHAR,"
                + " ts TIMESTAMP NOT NULL, received_at TIMESTAMP NOT NULL, version VARCHAR,"
                + " os VARCHAR, arch VARCHAR, runtime VARCHAR, library VARCHAR,"
                + " properties VARCHAR, context VARCHAR, seq BIGINT)");
        // The group commit that stored the row (PendingRollups); null in rows of older versions.
        s.execute("ALTER TABLE events ADD COLUMN IF NOT EXISTS seq BIGINT");
        s.execute("CREATE SEQUENCE IF NOT EXISTS quarantine_ids");
        s.execute(
            "CREATE TABLE IF NOT EXISTS quarantine ("
                + " id BIGINT PRIMARY KEY DEFAULT nextval('quarantine_ids'),"
                + " product VARCHAR NOT NULL, received_at TIMESTAMP NOT NULL,"
                + " reason VARCHAR NOT NULL, raw VARCHAR NOT NULL)");
        s.execute(String.format(RollupBackfill.CREATE_STATE, "VARCHAR"));
        s.execute(Erasure.createAuditLog("VARCHAR"));
      }
      RollupSql.DuckDbStaging.Added added = RollupSql.DuckDbStaging.createTables(writer);
      pending.open(writer);
      loadRecentIds(dedupWindow, dedupCapacity);
      writer.setAutoCommit(false);
      RollupBackfill.initialize(writer, Instant.now());
      writer.commit();
      pending.mergeNow(); // what a crash left before its merge
      if (added.days()) {
        try (Statement s = writer.createStatement()) {
          s.execute(RollupSql.DAYS_FROM_MEMBERS);
        }
        writer.commit();
      }
      if (added.seenCounts()) {
        RollupSql.recountSeen(writer, null);
        writer.commit();
      }
      pending.start();
      // DuckDB creates its files with the process's umask; the directory (0700) keeps them
      // private, and so does this. The launcher sets umask 077 for the WAL DuckDB recreates.
      OwnerOnly.restrict(file);
      OwnerOnly.restrict(Path.of(file + ".wal"));
    } catch (Exception e) {
      throw new StorageException("cannot open the DuckDB store " + file + ": " + e.getMessage(), e);
    }
  }

  private void loadRecentIds(Duration window, int capacity) throws SQLException {
    try (PreparedStatement ps =
        writer.prepareStatement(
            "SELECT product, message_id, epoch_ms(received_at) FROM (SELECT product, message_id,"
                + " received_at, row_number() OVER (PARTITION BY product ORDER BY received_at DESC)"
                + " AS n FROM events WHERE received_at >= ?) recent WHERE n <= ?"
                + " ORDER BY received_at")) {
      ps.setObject(1, SqlReads.utc(Instant.now().minus(window)));
      ps.setInt(2, capacity);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          recent.add(rs.getString(1), rs.getString(2), rs.getLong(3));
        }
      }
    }
    windowChanged();
  }

  /** Publishes the window's size; under the write lock (or before the store is shared). */
  private void windowChanged() {
    windowSize = new WindowSize(recent.ids(), recent.bytes());
  }

  @Override
  public Optional<WindowSize> dedupWindow() {
    return Optional.of(windowSize);
  }

  /**
   * Hashes the events' ids and adds them to a rollup delta of their own, on the caller's thread:
   * the writer's lock is held for less (under batched ingest these were a third of the writer's
   * time).
   */
  @Override
  public Write prepare(Write write) {
    List<StoredEvent> events = write.events();
    if (events.isEmpty() || write.prepared() != null) {
      return write;
    }
    try {
      RollupDelta delta = null;
      if (rollups) {
        delta = new RollupDelta();
        events.forEach(delta::add);
      }
      return write.with(new Write.Prepared(recent.hashes(events), delta, events.size()));
    } catch (RuntimeException e) {
      return write; // the writer does it, and meets the same problem where it is answered
    }
  }

  @Override
  public Written write(Write write) {
    List<StoredEvent> events = write.events();
    boolean[] stored = new boolean[events.size()];
    List<long[]> keptIds = new ArrayList<>(write.kept().size());
    Write.Prepared prepared = write.prepared();
    synchronized (writeLock) {
      List<StoredEvent> fresh = new ArrayList<>(events.size());
      long[] hashes = prepared != null ? prepared.hashes : recent.hashes(events);
      int[] freshAt = new int[events.size()];
      boolean[] firstInCall = RecentMessageIds.firstInCall(events, hashes);
      recent.touch(events, hashes, false);
      for (int i = 0; i < events.size(); i++) {
        StoredEvent e = events.get(i);
        if (firstInCall[i] && !recent.contains(e.product(), hashes, i)) {
          stored[i] = true;
          freshAt[fresh.size()] = i;
          fresh.add(e);
        }
      }
      if (fresh.isEmpty() && write.kept().isEmpty() && write.released().isEmpty()) {
        return new Written(stored, keptIds);
      }
      RollupDelta delta = new RollupDelta();
      RollupDelta.Unknown unknown = null;
      if (rollups) {
        if (prepared != null) {
          addStored(delta, prepared, events, stored);
        } else {
          fresh.forEach(delta::add);
        }
        unknown = delta.forgetKnown(known);
      }
      awaitMergeRoom();
      long seq = pending.nextSeq();
      try {
        openTransaction(writer);
        for (Write.Kept k : write.kept()) {
          keptIds.add(
              QuarantineSql.quarantine(
                  writer,
                  k.product(),
                  k.receivedAt(),
                  k.rejections(),
                  quarantineMax,
                  quarantineMaxBytes,
                  UnaryOperator.identity()));
        }
        for (Write.Released r : write.released()) {
          QuarantineSql.release(writer, r.product(), r.id());
        }
        appendRows(fresh, seq);
        writer.commit();
        pending.committed(seq, delta);
        if (unknown != null) {
          delta.learn(known, unknown);
        }
      } catch (SQLException | RuntimeException e) {
        // The appender may be left mid-row: it is replaced, and the group is rolled back.
        closeAppenderQuietly();
        rollbackQuietly();
        throw new StorageException("DuckDB write failed: " + e, e);
      }
      recent.touch(events, hashes, true);
      for (int k = 0; k < fresh.size(); k++) {
        StoredEvent e = fresh.get(k);
        recent.add(e.product(), hashes, freshAt[k], e.receivedAt().toEpochMilli());
      }
      if (!fresh.isEmpty()) {
        windowChanged();
      }
    }
    return new Written(stored, keptIds);
  }

  /**
   * Adds the stored events to {@code delta}: a request's prepared delta whole when all its events
   * were stored, else its stored events one by one (a retry, a duplicate within the group).
   */
  private static void addStored(
      RollupDelta delta, Write.Prepared prepared, List<StoredEvent> events, boolean[] stored) {
    int from = 0;
    for (int part = 0; part < prepared.ends.length; part++) {
      int end = prepared.ends[part];
      boolean all = true;
      for (int i = from; i < end && all; i++) {
        all = stored[i];
      }
      if (all && prepared.deltas[part] != null) {
        delta.addAll(prepared.deltas[part]);
      } else {
        for (int i = from; i < end; i++) {
          if (stored[i]) {
            delta.add(events.get(i));
          }
        }
      }
      from = end;
    }
  }

  /**
   * Opens the connection's transaction with a statement. DuckDB's appender joins an open
   * transaction, but where none is open its flush commits on its own (duckdb_jdbc 1.5.6;
   * EventStoreContract's failed-write test shows it): rows appended before any statement would
   * outlive a rollback (a group's events, or a merge's staged rollup rows, counted again after).
   */
  static void openTransaction(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SELECT 1");
    }
  }

  /**
   * Appends the rows of group {@code seq} through the kept appender; in the writer's transaction,
   * not committed.
   */
  private void appendRows(List<StoredEvent> rows, long seq) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    if (appender == null) {
      appender = writer.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "events");
    }
    DuckDBAppender a = appender;
    UtcTime ts = new UtcTime();
    UtcTime received = new UtcTime();
    for (StoredEvent e : rows) {
      a.beginRow();
      a.append(e.product());
      a.append(e.messageId());
      a.append(e.type());
      a.append(e.event());
      a.append(e.installationId());
      a.append(e.clusterId());
      a.append(ts.of(e.timestamp()));
      a.append(received.of(e.receivedAt()));
      a.append(e.version());
      a.append(e.os());
      a.append(e.arch());
      a.append(e.runtime());
      a.append(e.library());
      a.append(e.properties());
      a.append(e.context());
      a.append(seq);
      a.endRow();
    }
    a.flush();
  }

  /** An instant in UTC as a timestamp column holds it; the last one kept (a request's share it). */
  private static final class UtcTime {
    private Instant last;
    private LocalDateTime value;

    LocalDateTime of(Instant t) {
      if (!t.equals(last)) {
        value = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
        last = t;
      }
      return value;
    }
  }

  @Override
  public List<StoredEvent> events(String product, int limit) {
    return read("events", c -> SqlReads.events(c, product, limit, ""));
  }

  /** Events of every product (a restore's check). */
  public long totalEvents() {
    return read(
        "count",
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT count(*) FROM events")) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  @Override
  public long count(String product) {
    return read("count", c -> SqlReads.count(c, product));
  }

  @Override
  public List<QuarantinedEvent> quarantined(String product, long beforeId, int limit) {
    return read("quarantine", c -> QuarantineSql.quarantined(c, product, beforeId, limit));
  }

  @Override
  public Optional<QuarantinedEvent> quarantinedEvent(String product, long id) {
    return read("quarantine", c -> QuarantineSql.quarantinedEvent(c, product, id));
  }

  @Override
  public long export(String product, Instant from, Instant to, EventSink sink) throws IOException {
    try (Connection c = writer.duplicate()) {
      try (Statement s = c.createStatement()) {
        s.execute("SET jdbc_stream_results = true"); // chunk by chunk, not the whole result
      }
      return SqlReads.export(c, product, from, to, "", sink);
    } catch (SQLException e) {
      throw new StorageException("export failed: " + e.getMessage(), e);
    }
  }

  /**
   * Reads of the rollup tables: the rows waiting are merged first (beside the group commits), so
   * the answer counts every event stored before it was asked.
   */
  private <T> T readRollups(String what, SqlReads.Query<T> query) {
    try {
      pending.mergeNow();
    } catch (SQLException e) {
      throw new StorageException("rollup merge failed: " + e.getMessage(), e);
    }
    return read(what, query);
  }

  /** Before a group commit: a merge far behind the ingest makes the writer wait for it. */
  private void awaitMergeRoom() {
    try {
      pending.awaitRoom();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("interrupted while the rollups caught up", e);
    }
  }

  /** Reads on a connection of their own, beside the writer. */
  <T> T read(String what, SqlReads.Query<T> query) {
    try (Connection c = writer.duplicate()) {
      return query.run(c);
    } catch (SQLException e) {
      throw new StorageException(what + " query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public long deleteOlderThan(Instant cutoff) {
    synchronized (writeLock) {
      try (PreparedStatement ps = writer.prepareStatement("DELETE FROM events WHERE ts < ?")) {
        pending.mergeNow(); // the groups it deletes from are counted first
        ps.setObject(1, SqlReads.utc(cutoff));
        long n = ps.executeLargeUpdate();
        writer.commit();
        return n;
      } catch (SQLException e) {
        rollbackQuietly();
        throw new StorageException("retention delete failed: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public Erased erase(String product, String installation, String actor) {
    Instant now = Instant.now();
    Erasure.Result r =
        inRollupTransaction(
            "erasure",
            () -> {
              known.clear(); // rows it knew may be gone; they are written again when needed
              staging.empty(writer);
              return Erasure.erase(
                  writer,
                  product,
                  installation,
                  RollupDelta.clean(installation),
                  actor,
                  now,
                  "",
                  now.minus(dedupWindow).minusSeconds(60));
            });
    synchronized (writeLock) {
      for (String id : r.messageIds()) {
        recent.remove(product, id);
      }
      windowChanged();
    }
    return r.erased();
  }

  /**
   * {@code COPY FROM DATABASE} into a file attached for it, on a connection of its own: one
   * transaction, so a snapshot of what was committed when it began (sequences and keys included),
   * beside the writer, which goes on.
   */
  @Override
  public void backup(Path file) {
    try (Connection c = writer.duplicate()) {
      c.setAutoCommit(true); // the copy commits before its file is detached
      copyTo(c, file);
      OwnerOnly.restrict(file);
    } catch (SQLException | IOException e) {
      throw new StorageException("backup failed: " + e.getMessage(), e);
    }
  }

  private static void copyTo(Connection c, Path file) throws SQLException {
    try (Statement s = c.createStatement()) {
      String name;
      try (ResultSet rs = s.executeQuery("SELECT current_database()")) {
        rs.next();
        name = rs.getString(1);
      }
      String alias = "beacon_backup_" + Long.toHexString(System.nanoTime());
      s.execute("ATTACH " + literal(file.toAbsolutePath().toString()) + " AS " + alias);
      try {
        s.execute("COPY FROM DATABASE \"" + name.replace("\"", "\"\"") + "\" TO " + alias);
      } finally {
        s.execute("DETACH " + alias);
      }
    }
  }

  /** A path as an SQL string literal (the server's own paths, never a client's). */
  private static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  @Override
  public Table auditLog(int limit) {
    return read("audit log", c -> Erasure.auditLog(c, limit));
  }

  @Override
  public long deleteRollupsOlderThan(Instant cutoff) {
    return inRollupTransaction(
        "rollup retention",
        () -> {
          known.clear();
          return RollupSql.deleteBefore(writer, FleetQueries.firstDay(cutoff));
        });
  }

  @Override
  public BackfillProgress backfillRollups() {
    return inRollupTransaction(
        "rollup backfill",
        () -> {
          return RollupBackfill.step(writer, staging, "", "");
        });
  }

  @Override
  public void rebuildRollups(String product) {
    inRollupTransaction(
        "rollup rebuild",
        () -> {
          known.clear();
          RollupBackfill.restart(writer, product, Instant.now());
          return null;
        });
  }

  private interface WriteWork<T> {
    T run() throws SQLException;
  }

  /**
   * Work on the writer's connection that changes the rollup tables, committed, between two group
   * commits: every group committed so far is merged first, and no merge runs beside it until it is
   * committed.
   */
  private <T> T inRollupTransaction(String what, WriteWork<T> work) {
    synchronized (writeLock) {
      try {
        return pending.exclusive(
            () -> {
              T result = work.run();
              writer.commit();
              return result;
            });
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly();
        throw new StorageException(what + " failed: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public FleetQueries fleet() {
    return new FleetQueries(Dialect.DUCKDB, this::readRollups);
  }

  @Override
  public boolean writable() {
    try (Connection c = writer.duplicate();
        Statement s = c.createStatement()) {
      s.execute("SELECT 1");
      return !writer.isClosed();
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void close() {
    synchronized (writeLock) {
      closeAppenderQuietly();
      staging.reset();
      pending.close();
      try {
        writer.close();
      } catch (SQLException e) {
        // closing anyway
      }
    }
  }

  private void closeAppenderQuietly() {
    if (appender != null) {
      try {
        appender.close();
      } catch (SQLException ignored) {
        // a broken appender is replaced by the next append
      }
      appender = null;
    }
  }

  /** Rolls the writer's transaction back; the appenders it used are replaced. */
  private void rollbackQuietly() {
    staging.reset();
    try {
      writer.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the next append reports it
    }
  }
}
