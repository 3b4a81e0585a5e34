package dev.beacon.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The read queries every SQL store shares, with the few dialect differences passed in. Each store
 * brings its own connection (DuckDB: a duplicate of the writer's; PostgreSQL: from the pool).
 */
final class SqlReads {
  private SqlReads() {}

  /** A query on a connection that a store opens and closes around it. */
  interface Query<T> {
    T run(Connection c) throws SQLException;
  }

  /** How a store lends a connection for a query (and commits or closes it after). */
  interface Connector {
    <T> T read(String what, Query<T> query);
  }

  private static final String EVENT_COLUMNS =
      "product, message_id, type, event, installation_id, cluster_id, ts, received_at, version,"
          + " os, arch, runtime, library, properties%1$s, context%1$s";

  /**
   * @param latestSql the dialect's query for "installations by the latest non-null value of a
   *     column", with the column as {@code %s} and (product, since) as parameters
   */
  static Summary summary(Connection c, String product, Instant since, String latestSql)
      throws SQLException {
    long installations;
    long events;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(DISTINCT installation_id), count(*) FROM events"
                + " WHERE product = ? AND ts >= ?")) {
      ps.setString(1, product);
      ps.setObject(2, utc(since));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        installations = rs.getLong(1);
        events = rs.getLong(2);
      }
    }
    return new Summary(
        installations,
        events,
        buckets(c, String.format(latestSql, "version"), product, since),
        buckets(c, String.format(latestSql, "os"), product, since));
  }

  private static List<Summary.Bucket> buckets(
      Connection c, String sql, String product, Instant since) throws SQLException {
    List<Summary.Bucket> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, product);
      ps.setObject(2, utc(since));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Summary.Bucket(rs.getString(1), rs.getLong(2)));
        }
      }
    }
    return out;
  }

  /**
   * @param jsonToText how the dialect reads a JSON column as text ("" or "::text")
   */
  static List<StoredEvent> events(Connection c, String product, int limit, String jsonToText)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + String.format(EVENT_COLUMNS, jsonToText)
                + " FROM events WHERE product = ? ORDER BY received_at DESC, ts DESC LIMIT ?")) {
      ps.setString(1, product);
      ps.setInt(2, limit);
      return events(ps);
    }
  }

  static long count(Connection c, String product) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT count(*) FROM events WHERE product = ?")) {
      ps.setString(1, product);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static List<QuarantinedEvent> quarantined(Connection c, String product, long beforeId, int limit)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT id, product, received_at, reason, raw FROM quarantine WHERE product = ?"
                + " AND id < ? ORDER BY id DESC LIMIT ?")) {
      ps.setString(1, product);
      ps.setLong(2, beforeId);
      ps.setInt(3, limit);
      return quarantined(ps);
    }
  }

  static Optional<QuarantinedEvent> quarantinedEvent(Connection c, String product, long id)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT id, product, received_at, reason, raw FROM quarantine"
                + " WHERE product = ? AND id = ?")) {
      ps.setString(1, product);
      ps.setLong(2, id);
      return quarantined(ps).stream().findFirst();
    }
  }

  /**
   * Inserts quarantined events and prunes the product's oldest past {@code max} events or {@code
   * maxBytes} characters of reason and raw text; no commit.
   */
  static long[] quarantine(
      Connection c,
      String product,
      Instant receivedAt,
      List<Rejection> rejections,
      int max,
      long maxBytes,
      java.util.function.UnaryOperator<String> clean)
      throws SQLException {
    long[] ids = new long[rejections.size()];
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO quarantine (product, received_at, reason, raw) VALUES (?, ?, ?, ?)"
                + " RETURNING id")) {
      for (int i = 0; i < ids.length; i++) {
        ps.setString(1, product);
        ps.setObject(2, utc(receivedAt));
        ps.setString(3, clean.apply(rejections.get(i).reason()));
        ps.setString(4, clean.apply(rejections.get(i).raw()));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          ids[i] = rs.getLong(1);
        }
      }
    }
    try (PreparedStatement prune =
        c.prepareStatement(
            "DELETE FROM quarantine WHERE product = ? AND id NOT IN ("
                + " SELECT id FROM quarantine WHERE product = ? ORDER BY id DESC LIMIT ?)")) {
      prune.setString(1, product);
      prune.setString(2, product);
      prune.setInt(3, max);
      prune.executeUpdate();
    }
    try (PreparedStatement prune =
        c.prepareStatement(
            "DELETE FROM quarantine WHERE product = ? AND id IN (SELECT id FROM (SELECT id,"
                + " sum(length(raw) + length(reason)) OVER (ORDER BY id DESC) AS total"
                + " FROM quarantine WHERE product = ?) sized WHERE total > ?)")) {
      prune.setString(1, product);
      prune.setString(2, product);
      prune.setLong(3, maxBytes);
      prune.executeUpdate();
    }
    return ids;
  }

  static void release(Connection c, String product, long id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("DELETE FROM quarantine WHERE product = ? AND id = ?")) {
      ps.setString(1, product);
      ps.setLong(2, id);
      ps.executeUpdate();
    }
  }

  /** Timestamps are stored as UTC wall time, whatever the JVM's zone. */
  static LocalDateTime utc(Instant i) {
    return LocalDateTime.ofInstant(i, ZoneOffset.UTC);
  }

  private static List<StoredEvent> events(PreparedStatement ps) throws SQLException {
    List<StoredEvent> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            new StoredEvent(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                instant(rs.getObject(7, LocalDateTime.class)),
                instant(rs.getObject(8, LocalDateTime.class)),
                rs.getString(9),
                rs.getString(10),
                rs.getString(11),
                rs.getString(12),
                rs.getString(13),
                rs.getString(14),
                rs.getString(15)));
      }
    }
    return out;
  }

  private static List<QuarantinedEvent> quarantined(PreparedStatement ps) throws SQLException {
    List<QuarantinedEvent> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            new QuarantinedEvent(
                rs.getLong(1),
                rs.getString(2),
                instant(rs.getObject(3, LocalDateTime.class)),
                rs.getString(4),
                rs.getString(5)));
      }
    }
    return out;
  }

  /** Timestamps are stored as UTC wall time. */
  static Instant instant(LocalDateTime t) {
    return t == null ? null : t.toInstant(ZoneOffset.UTC);
  }
}
