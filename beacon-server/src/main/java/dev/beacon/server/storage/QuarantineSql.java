package dev.beacon.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The quarantine's statements, shared by the SQL stores: reading it, and (on the writer's
 * connection, inside its transaction, never committing) keeping and releasing refused events.
 */
final class QuarantineSql {
  private QuarantineSql() {}

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
      UnaryOperator<String> clean)
      throws SQLException {
    long[] ids = new long[rejections.size()];
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO quarantine (product, received_at, reason, raw) VALUES (?, ?, ?, ?)"
                + " RETURNING id")) {
      for (int i = 0; i < ids.length; i++) {
        ps.setString(1, product);
        ps.setObject(2, SqlReads.utc(receivedAt));
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

  private static List<QuarantinedEvent> quarantined(PreparedStatement ps) throws SQLException {
    List<QuarantinedEvent> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            new QuarantinedEvent(
                rs.getLong(1),
                rs.getString(2),
                SqlReads.instant(rs.getObject(3, LocalDateTime.class)),
                rs.getString(4),
                rs.getString(5)));
      }
    }
    return out;
  }
}
