package dev.beacon.server.storage;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The event queries every SQL store shares (reads only), with the few dialect differences passed
 * in. Each store brings its own connection (DuckDB: a duplicate of the writer's; PostgreSQL: from
 * the pool). The quarantine's statements are in {@link QuarantineSql}.
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

  /**
   * @param jsonToText how the dialect reads a JSON column as text ("" or "::text")
   */
  static List<StoredEvent> events(Connection c, String product, int limit, String jsonToText)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + columns(jsonToText)
                + " FROM events WHERE product = ? ORDER BY received_at DESC, ts DESC LIMIT ?")) {
      ps.setString(1, product);
      ps.setInt(2, limit);
      return events(ps);
    }
  }

  /** The 15 columns of {@link StoredEvent}, in its order, JSON read as text. */
  static String columns(String jsonToText) {
    return String.format(
        "product, message_id, type, event, installation_id, cluster_id, ts, received_at, version,"
            + " os, arch, runtime, library, properties%1$s, context%1$s",
        jsonToText);
  }

  /** How many rows a streamed read fetches at a time. */
  static final int FETCH = 2000;

  /**
   * Streams a product's events of {@code [from, to)} to the sink; the connection must stream (no
   * autocommit on PostgreSQL, {@code jdbc_stream_results} on DuckDB).
   */
  static long export(
      Connection c,
      String product,
      Instant from,
      Instant to,
      String jsonToText,
      EventStore.EventSink sink)
      throws SQLException, IOException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + columns(jsonToText)
                + " FROM events WHERE product = ? AND ts >= ? AND ts < ?")) {
      ps.setFetchSize(FETCH);
      ps.setString(1, product);
      ps.setObject(2, utc(from));
      ps.setObject(3, utc(to));
      long n = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          sink.accept(event(rs));
          n++;
        }
      }
      return n;
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

  /** Timestamps are stored as UTC wall time, whatever the JVM's zone. */
  static LocalDateTime utc(Instant i) {
    return LocalDateTime.ofInstant(i, ZoneOffset.UTC);
  }

  private static List<StoredEvent> events(PreparedStatement ps) throws SQLException {
    List<StoredEvent> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(event(rs));
      }
    }
    return out;
  }

  /** The event at a result's row, its 15 columns in the order of {@link StoredEvent}. */
  static StoredEvent event(ResultSet rs) throws SQLException {
    return new StoredEvent(
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
        rs.getString(15));
  }

  /** Timestamps are stored as UTC wall time. */
  static Instant instant(LocalDateTime t) {
    return t == null ? null : t.toInstant(ZoneOffset.UTC);
  }
}
