package dev.beacon.server.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Reading rows back into records, the same for every SQL store. */
final class Rows {
  private Rows() {}

  static List<StoredEvent> events(PreparedStatement ps) throws SQLException {
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

  static List<QuarantinedEvent> quarantined(PreparedStatement ps) throws SQLException {
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
