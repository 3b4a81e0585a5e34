package dev.beacon.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Rollups made from raw events already stored: after an upgrade from a version without rollups, and
 * on {@code ./beacon rollups rebuild}. Table {@code rollup_state} holds, per product, the horizon
 * (events received from then on are rolled up as they are written, so they are left out here) and
 * how far the backfill has come (null: done). Each step is one hour of a product's events, rolled
 * up and marked done in one transaction, so a crash resumes where it stopped and nothing is counted
 * twice; empty hours are skipped. The row marked {@code ""} records that the store has been set up
 * for rollups.
 */
final class RollupBackfill {
  static final String CREATE_STATE =
      "CREATE TABLE IF NOT EXISTS rollup_state (product %s PRIMARY KEY,"
          + " horizon TIMESTAMP NOT NULL, next_ts TIMESTAMP)";

  private static final String MARKER = "";
  private static final LocalDateTime EARLIEST = LocalDateTime.of(2000, 1, 1, 0, 0);
  private static final Duration STEP = Duration.ofHours(1);
  private static final long DAY_STEP_EVENTS = 200_000;

  private RollupBackfill() {}

  /**
   * On a store's first start with rollups: every product with events is to be backfilled, up to
   * now. In the caller's transaction.
   *
   * @return the products to backfill
   */
  static List<String> initialize(Connection c, Instant now) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM rollup_state WHERE product = ?")) {
      ps.setString(1, MARKER);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return List.of();
        }
      }
    }
    List<String> products = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT product FROM events");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        products.add(rs.getString(1));
      }
    }
    set(c, MARKER, now, null);
    for (String p : products) {
      set(c, p, now, EARLIEST);
    }
    return products;
  }

  /** Marks a product's rollups to be made again from all its events received before now. */
  static void restart(Connection c, String product, Instant now) throws SQLException {
    RollupSql.deleteProduct(c, product);
    set(c, product, now, EARLIEST);
  }

  /**
   * One step, in the caller's transaction (the caller commits).
   *
   * @param lockRow {@code " FOR UPDATE"} where servers sharing the store must take turns
   * @param jsonToText how the store reads its JSON columns as text
   * @return what it did, or null when there is nothing left to backfill
   */
  static BackfillProgress step(
      Connection c, RollupSql.Staging staging, String lockRow, String jsonToText)
      throws SQLException {
    String product;
    LocalDateTime horizon;
    LocalDateTime next;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT product, horizon, next_ts FROM rollup_state WHERE next_ts IS NOT NULL"
                + " ORDER BY product LIMIT 1"
                + lockRow)) {
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        product = rs.getString(1);
        horizon = rs.getObject(2, LocalDateTime.class);
        next = rs.getObject(3, LocalDateTime.class);
      }
    }
    LocalDateTime first;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT min(ts) FROM events WHERE product = ? AND ts >= ? AND received_at < ?")) {
      ps.setString(1, product);
      ps.setObject(2, next);
      ps.setObject(3, horizon);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        first = rs.getObject(1, LocalDateTime.class);
      }
    }
    if (first == null) {
      set(c, product, SqlReads.instant(horizon), null);
      return new BackfillProgress(product, SqlReads.instant(horizon), 0, true);
    }
    // From the first event not rolled up yet (none lies between the mark and it) to the end of
    // its day, or of its hour on a busy day, so that one step's rows stay few.
    LocalDateTime from = first;
    LocalDateTime to = first.truncatedTo(ChronoUnit.DAYS).plusDays(1);
    if (count(c, product, from, to, horizon) > DAY_STEP_EVENTS) {
      to = first.truncatedTo(ChronoUnit.HOURS).plus(STEP);
    }
    RollupDelta delta = new RollupDelta();
    long n = 0;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT product, message_id, type, event, installation_id, cluster_id, ts,"
                + " received_at, version, os, arch, runtime, library, properties"
                + jsonToText
                + ", context"
                + jsonToText
                + " FROM events WHERE product = ? AND ts >= ? AND ts < ? AND received_at < ?")) {
      ps.setString(1, product);
      ps.setObject(2, from);
      ps.setObject(3, to);
      ps.setObject(4, horizon);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          delta.add(SqlReads.event(rs));
          n++;
        }
      }
    }
    RollupSql.apply(c, delta, staging);
    set(c, product, SqlReads.instant(horizon), to);
    return new BackfillProgress(product, SqlReads.instant(to), n, false);
  }

  private static long count(
      Connection c, String product, LocalDateTime from, LocalDateTime to, LocalDateTime horizon)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(*) FROM events WHERE product = ? AND ts >= ? AND ts < ?"
                + " AND received_at < ?")) {
      ps.setString(1, product);
      ps.setObject(2, from);
      ps.setObject(3, to);
      ps.setObject(4, horizon);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Updated in place (not deleted and inserted), so a server waiting on the row reads it anew. */
  private static void set(Connection c, String product, Instant horizon, LocalDateTime next)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE rollup_state SET horizon = ?, next_ts = ? WHERE product = ?")) {
      ps.setObject(1, SqlReads.utc(horizon));
      ps.setObject(2, next);
      ps.setString(3, product);
      if (ps.executeUpdate() > 0) {
        return;
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO rollup_state (product, horizon, next_ts) VALUES (?, ?, ?)")) {
      ps.setString(1, product);
      ps.setObject(2, SqlReads.utc(horizon));
      ps.setObject(3, next);
      ps.executeUpdate();
    }
  }
}
