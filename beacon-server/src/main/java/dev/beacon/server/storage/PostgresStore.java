package dev.beacon.server.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.flywaydb.core.Flyway;

/**
 * PostgreSQL, shared by several servers: events partitioned by month (retention drops partitions),
 * the dedup window in a table every server sees, one round trip per group commit ({@code unnest} of
 * arrays), pooled connections, schema by Flyway.
 */
public final class PostgresStore implements EventStore {
  private static final String COLUMNS =
      "product, message_id, type, event, installation_id, cluster_id, ts, received_at, version,"
          + " os, arch, runtime, library, properties, context";

  private final HikariDataSource pool;
  private final Duration dedupWindow;
  private final int quarantineMax;
  private final long quarantineMaxBytes;
  private final boolean rollups = RollupDelta.maintained();
  private final Set<YearMonth> partitions = ConcurrentHashMap.newKeySet();
  private final AtomicLong appends = new AtomicLong();

  public PostgresStore(
      String url,
      String user,
      String password,
      int poolSize,
      Duration dedupWindow,
      int quarantineMax) {
    this(
        url, user, password, poolSize, dedupWindow, quarantineMax, EventStore.QUARANTINE_MAX_BYTES);
  }

  public PostgresStore(
      String url,
      String user,
      String password,
      int poolSize,
      Duration dedupWindow,
      int quarantineMax,
      long quarantineMaxBytes) {
    this.dedupWindow = dedupWindow;
    this.quarantineMax = quarantineMax;
    this.quarantineMaxBytes = quarantineMaxBytes;
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(url);
    if (!user.isBlank()) {
      hc.setUsername(user);
    }
    if (!password.isBlank()) {
      hc.setPassword(password);
    }
    hc.setMaximumPoolSize(poolSize);
    hc.setPoolName("beacon-postgres");
    hc.setAutoCommit(false);
    try {
      this.pool = new HikariDataSource(hc);
      Flyway.configure().dataSource(pool).locations("classpath:db/postgres").load().migrate();
      inTransaction(
          "rollup set-up",
          c -> {
            // Servers sharing the database start together: one sets the backfill up.
            try (Statement s = c.createStatement()) {
              s.execute("LOCK TABLE rollup_state IN EXCLUSIVE MODE");
            }
            return RollupBackfill.initialize(c, Instant.now());
          });
    } catch (RuntimeException e) {
      throw new StorageException("cannot open PostgreSQL at " + url + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Written write(Write write) {
    return writing(write.events(), c -> write(c, write));
  }

  /**
   * Runs a write in a transaction of its own, once the events' monthly partitions are made, and
   * commits it; tried again where {@link #tryAgain} says so.
   */
  private <T> T writing(List<StoredEvent> events, SqlReads.Query<T> work) {
    for (int attempt = 0; ; attempt++) {
      try (Connection c = pool.getConnection()) {
        try {
          ensurePartitions(c, events);
          T result = work.run(c);
          c.commit();
          return result;
        } catch (SQLException e) {
          c.rollback();
          if (tryAgain(e, attempt)) {
            continue;
          }
          throw e;
        } catch (RuntimeException e) {
          c.rollback();
          throw e;
        }
      } catch (SQLException e) {
        throw new StorageException("PostgreSQL write failed: " + e.getMessage(), e);
      }
    }
  }

  /** How many times a write is tried when PostgreSQL broke a deadlock by aborting it. */
  private static final int DEADLOCK_TRIES = 3;

  /**
   * Whether a write that failed is worth trying again: PostgreSQL aborted it to break a deadlock
   * with another server's write (SQLSTATE 40P01; nothing of it stayed, and the other went on), or
   * it wanted a monthly partition this server thought was there, which another server's retention
   * dropped (an event older than retention, imported late): the months known are then forgotten, so
   * that the write makes them anew (once).
   */
  private boolean tryAgain(SQLException e, int attempt) {
    if ("40P01".equals(e.getSQLState())) {
      return attempt + 1 < DEADLOCK_TRIES;
    }
    boolean gone =
        attempt == 0
            && "23514".equals(e.getSQLState())
            && e.getMessage() != null
            && e.getMessage().contains("no partition");
    if (gone) {
      partitions.clear();
    }
    return gone;
  }

  /** A write in the caller's transaction, once {@link #ensurePartitions} has made its months. */
  private Written write(Connection c, Write write) throws SQLException {
    List<StoredEvent> events = write.events();
    boolean[] stored = new boolean[events.size()];
    List<long[]> keptIds = new ArrayList<>(write.kept().size());
    Map<String, Integer> firstIndex = new LinkedHashMap<>();
    for (int i = 0; i < events.size(); i++) {
      // As PostgreSQL will hold it (text has no NUL), so the claimed ids come back the same.
      firstIndex.putIfAbsent(
          RecentMessageIds.key(events.get(i).product(), withoutNul(events.get(i).messageId())), i);
    }
    if (!events.isEmpty()) {
      Set<String> fresh = claimIds(c, events, firstIndex);
      List<StoredEvent> toInsert = new ArrayList<>(fresh.size());
      for (Map.Entry<String, Integer> e : firstIndex.entrySet()) {
        if (fresh.contains(e.getKey())) {
          stored[e.getValue()] = true;
          toInsert.add(events.get(e.getValue()));
        }
      }
      insert(c, toInsert);
      if (rollups) {
        RollupDelta delta = new RollupDelta();
        toInsert.forEach(delta::add);
        RollupSql.apply(c, delta, RollupSql.POSTGRES);
      }
      if (appends.incrementAndGet() % 1000 == 0) {
        pruneIds(c);
      }
    }
    for (Write.Kept k : write.kept()) {
      keptIds.add(
          QuarantineSql.quarantine(
              c,
              k.product(),
              k.receivedAt(),
              k.rejections(),
              quarantineMax,
              quarantineMaxBytes,
              PostgresStore::withoutNul));
    }
    for (Write.Released r : write.released()) {
      QuarantineSql.release(c, r.product(), r.id());
    }
    return new Written(stored, keptIds);
  }

  /**
   * Where a sink's consumer group has come to in each partition of a topic: the next offset to
   * store, per partition that has one.
   */
  public Map<Integer, Long> logOffsets(String group, String topic) {
    return inTransaction(
        "log offsets",
        c -> {
          Map<Integer, Long> out = new HashMap<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT partition, next_offset FROM sink_offsets WHERE consumer_group = ?"
                      + " AND topic = ?")) {
            ps.setString(1, group);
            ps.setString(2, topic);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.put(rs.getInt(1), rs.getLong(2));
              }
            }
          }
          return out;
        });
  }

  /**
   * Stores what a sink read, in one transaction with the partitions' new offsets. Each partition's
   * stored offset must still be the one the sink started from ({@code expected}; absent: none
   * stored yet): if another sink stored past it meanwhile (a rebalance), nothing is stored and the
   * answer is false, so that no record is stored twice.
   *
   * @param next per partition, the offset after the last record stored now
   */
  public boolean storeFromLog(
      List<LogStep> steps,
      String group,
      String topic,
      Map<Integer, Long> expected,
      Map<Integer, Long> next) {
    List<StoredEvent> all = new ArrayList<>();
    for (LogStep step : steps) {
      if (step instanceof LogStep.Store(Write w)) {
        all.addAll(w.events());
      }
    }
    return writing(
        all,
        c -> {
          for (Map.Entry<Integer, Long> e : next.entrySet()) {
            if (!advance(c, group, topic, e.getKey(), expected.get(e.getKey()), e.getValue())) {
              c.rollback(); // nothing of it to commit
              return false;
            }
          }
          for (LogStep step : steps) {
            switch (step) {
              case LogStep.Store(Write w) -> write(c, w);
              case LogStep.Erase(String product, String installation, String actor) ->
                  erase(c, product, installation, actor);
            }
          }
          return true;
        });
  }

  /**
   * Moves a partition's offset from {@code from} (null: none yet) to {@code to}, if it is there.
   */
  private static boolean advance(
      Connection c, String group, String topic, int partition, Long from, long to)
      throws SQLException {
    if (from == null) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO sink_offsets (consumer_group, topic, partition, next_offset)"
                  + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
        ps.setString(1, group);
        ps.setString(2, topic);
        ps.setInt(3, partition);
        ps.setLong(4, to);
        return ps.executeUpdate() == 1;
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE sink_offsets SET next_offset = ? WHERE consumer_group = ? AND topic = ?"
                + " AND partition = ? AND next_offset = ?")) {
      ps.setLong(1, to);
      ps.setString(2, group);
      ps.setString(3, topic);
      ps.setInt(4, partition);
      ps.setLong(5, from);
      return ps.executeUpdate() == 1;
    }
  }

  /** Inserts the ids; answers those that were not there yet (this call's to store). */
  private Set<String> claimIds(Connection c, List<StoredEvent> events, Map<String, Integer> first)
      throws SQLException {
    int n = first.size();
    String[] products = new String[n];
    String[] ids = new String[n];
    String[] times = new String[n];
    int k = 0;
    for (int i : first.values()) {
      StoredEvent e = events.get(i);
      products[k] = e.product();
      ids[k] = withoutNul(e.messageId());
      times[k++] = SqlReads.utc(e.receivedAt()).toString();
    }
    Set<String> fresh = new HashSet<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO message_ids (product, message_id, received_at)"
                + " SELECT * FROM unnest(?::text[], ?::text[], ?::timestamp[])"
                + " ON CONFLICT DO NOTHING RETURNING product, message_id")) {
      ps.setArray(1, c.createArrayOf("text", products));
      ps.setArray(2, c.createArrayOf("text", ids));
      ps.setArray(3, c.createArrayOf("text", times));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          fresh.add(RecentMessageIds.key(rs.getString(1), rs.getString(2)));
        }
      }
    }
    return fresh;
  }

  private static void insert(Connection c, List<StoredEvent> events) throws SQLException {
    if (events.isEmpty()) {
      return;
    }
    int n = events.size();
    String[][] cols = new String[15][n];
    for (int i = 0; i < n; i++) {
      StoredEvent e = events.get(i);
      cols[0][i] = e.product();
      cols[1][i] = e.messageId();
      cols[2][i] = e.type();
      cols[3][i] = e.event();
      cols[4][i] = e.installationId();
      cols[5][i] = e.clusterId();
      cols[6][i] = SqlReads.utc(e.timestamp()).toString();
      cols[7][i] = SqlReads.utc(e.receivedAt()).toString();
      cols[8][i] = e.version();
      cols[9][i] = e.os();
      cols[10][i] = e.arch();
      cols[11][i] = e.runtime();
      cols[12][i] = e.library();
      cols[13][i] = e.properties();
      cols[14][i] = e.context();
    }
    String types =
        "?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamp[],"
            + " ?::timestamp[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],"
            + " ?::jsonb[], ?::jsonb[]";
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO events (" + COLUMNS + ") SELECT * FROM unnest(" + types + ")")) {
      for (int col = 0; col < 15; col++) {
        for (int i = 0; i < n; i++) {
          cols[col][i] = withoutNul(cols[col][i]);
        }
        Array a = c.createArrayOf("text", cols[col]);
        ps.setArray(col + 1, a);
      }
      ps.executeUpdate();
    }
  }

  /**
   * Creates the monthly partitions the events fall in that this server has not seen yet, in a
   * transaction of their own, committed before the write begins. Creating a partition locks the
   * whole events table; inside the write it would hold that lock while waiting on another server's
   * message id claim, which waits on the table: a deadlock.
   */
  private void ensurePartitions(Connection c, List<StoredEvent> events) throws SQLException {
    Set<YearMonth> needed = new HashSet<>();
    for (StoredEvent e : events) {
      YearMonth m = YearMonth.from(SqlReads.utc(e.timestamp()));
      if (!partitions.contains(m)) {
        needed.add(m);
      }
    }
    if (needed.isEmpty()) {
      return;
    }
    for (YearMonth m : needed) {
      try (Statement s = c.createStatement()) {
        // Servers sharing the database may race to create the same month: serialise them.
        s.execute("SELECT pg_advisory_xact_lock(" + (m.getYear() * 100 + m.getMonthValue()) + ")");
        LocalDate from = m.atDay(1);
        LocalDate to = m.plusMonths(1).atDay(1);
        s.execute(
            "CREATE TABLE IF NOT EXISTS "
                + partitionName(m)
                + " PARTITION OF events FOR VALUES FROM ('"
                + from
                + "') TO ('"
                + to
                + "')");
      }
    }
    c.commit();
    partitions.addAll(needed);
  }

  private static String partitionName(YearMonth m) {
    return String.format("events_y%04dm%02d", m.getYear(), m.getMonthValue());
  }

  private void pruneIds(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("DELETE FROM message_ids WHERE received_at < ?")) {
      ps.setObject(1, SqlReads.utc(Instant.now().minus(dedupWindow)));
      ps.executeUpdate();
    }
  }

  @Override
  public List<StoredEvent> events(String product, int limit) {
    return inTransaction("events", c -> SqlReads.events(c, product, limit, "::text"));
  }

  @Override
  public long count(String product) {
    return inTransaction("count", c -> SqlReads.count(c, product));
  }

  @Override
  public List<QuarantinedEvent> quarantined(String product, long beforeId, int limit) {
    return inTransaction("quarantine", c -> QuarantineSql.quarantined(c, product, beforeId, limit));
  }

  @Override
  public Optional<QuarantinedEvent> quarantinedEvent(String product, long id) {
    return inTransaction("quarantine", c -> QuarantineSql.quarantinedEvent(c, product, id));
  }

  /**
   * Runs work on a pooled connection, in a transaction of its own that is then committed (the pool
   * does not autocommit), or rolled back when it fails.
   */
  private <T> T inTransaction(String what, SqlReads.Query<T> query) {
    try (Connection c = pool.getConnection()) {
      try {
        T result = query.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StorageException(what + " failed: " + e.getMessage(), e);
    }
  }

  /** Drops the monthly partitions wholly before the cutoff, then deletes the rest of the edge. */
  @Override
  public long deleteOlderThan(Instant cutoff) {
    LocalDateTime limit = SqlReads.utc(cutoff);
    YearMonth edge = YearMonth.from(limit);
    long removed = 0;
    try (Connection c = pool.getConnection()) {
      List<String> old = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT child.relname FROM pg_inherits JOIN pg_class parent ON parent.oid = inhparent"
                  + " JOIN pg_class child ON child.oid = inhrelid WHERE parent.relname = 'events'")) {
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String name = rs.getString(1);
            if (name.matches("events_y\\d{4}m\\d{2}")) {
              YearMonth m =
                  YearMonth.of(
                      Integer.parseInt(name.substring(8, 12)),
                      Integer.parseInt(name.substring(13, 15)));
              if (m.isBefore(edge)) {
                old.add(name);
                partitions.remove(m);
              }
            }
          }
        }
      }
      try (Statement s = c.createStatement()) {
        for (String name : old) {
          try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + name)) {
            rs.next();
            removed += rs.getLong(1);
          }
          s.execute("DROP TABLE " + name);
        }
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM events WHERE ts < ?")) {
        ps.setObject(1, limit);
        removed += ps.executeUpdate();
      }
      c.commit();
      return removed;
    } catch (SQLException e) {
      throw new StorageException("retention failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Erased erase(String product, String installation, String actor) {
    return inTransaction("erasure", c -> erase(c, product, installation, actor));
  }

  /** An erasure in the caller's transaction. */
  private Erased erase(Connection c, String product, String installation, String actor)
      throws SQLException {
    String id = withoutNul(installation);
    // Waits for a backfill step of this product, which holds its row, and keeps the next one
    // out until this commits: what is rolled up stays what this reads as rolled up.
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM rollup_state WHERE product = ? FOR UPDATE")) {
      ps.setString(1, product);
      ps.executeQuery().close();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "DELETE FROM message_ids WHERE product = ? AND message_id IN (SELECT message_id"
                + " FROM events WHERE product = ? AND installation_id = ?)")) {
      ps.setString(1, product);
      ps.setString(2, product);
      ps.setString(3, id);
      ps.executeUpdate();
    }
    return Erasure.erase(
            c, product, id, RollupDelta.clean(installation), actor, Instant.now(), "::text", null)
        .erased();
  }

  @Override
  public long export(String product, Instant from, Instant to, EventSink sink) throws IOException {
    try (Connection c = pool.getConnection()) {
      try {
        // Without autocommit (the pool's), the driver reads through a cursor, a fetch at a time.
        return SqlReads.export(c, product, from, to, "::text", sink);
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw new StorageException("export failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Table auditLog(int limit) {
    return inTransaction("audit log", c -> Erasure.auditLog(c, limit));
  }

  @Override
  public long deleteRollupsOlderThan(Instant cutoff) {
    return inTransaction(
        "rollup retention", c -> RollupSql.deleteBefore(c, FleetQueries.firstDay(cutoff)));
  }

  @Override
  public BackfillProgress backfillRollups() {
    return inTransaction(
        "rollup backfill",
        c -> RollupBackfill.step(c, RollupSql.POSTGRES, " FOR UPDATE", "::text"));
  }

  @Override
  public void rebuildRollups(String product) {
    inTransaction(
        "rollup rebuild",
        c -> {
          try (Statement s = c.createStatement()) {
            s.execute("LOCK TABLE rollup_state IN EXCLUSIVE MODE");
          }
          RollupBackfill.restart(c, product, Instant.now());
          return null;
        });
  }

  @Override
  public FleetQueries fleet() {
    return new FleetQueries(Dialect.POSTGRES, this::inTransaction);
  }

  @Override
  public boolean writable() {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("SELECT 1");
      c.commit();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void close() {
    pool.close();
  }

  /**
   * PostgreSQL text and jsonb hold no NUL character (other stores do): it becomes U+FFFD, in raw
   * text and as a JSON escape.
   */
  static String withoutNul(String s) {
    if (s == null) {
      return null;
    }
    return s.replace("\\u0000", "\\ufffd").replace('\u0000', '\ufffd');
  }
}
