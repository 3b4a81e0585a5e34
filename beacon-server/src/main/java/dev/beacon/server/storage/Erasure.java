package dev.beacon.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Erases one installation of a product from a SQL store, in the caller's transaction (the caller
 * commits): its raw events, the quarantined bodies that name it, the rows of the rollups that carry
 * its id, and its contribution to the sums of {@code rollup_counts}, which carry no id and are
 * computed again from its raw events before they are deleted (only the events already rolled up,
 * see {@link RollupBackfill}). A sum made from events that retention has deleted cannot be
 * attributed to an installation any more and stays (it holds no id). A project's seen days (its
 * member is the project, which other installations share) are computed again from the raw events
 * kept, and the product's seen rows counted again by day ({@link RollupSql#recountSeen}). One row
 * of {@code audit_log} records the erasure, without the id.
 */
final class Erasure {
  private Erasure() {}

  /** What the store did, and the message ids it deleted (for a dedup window kept in memory). */
  record Result(Erased erased, List<String> messageIds) {}

  /**
   * @param installation the id as the events hold it
   * @param member the id as the rollups hold it ({@link RollupDelta}'s clean text)
   * @param jsonToText how the dialect reads a JSON column as text
   * @param idsSince answer the message ids of events received since then (null: none)
   */
  static Result erase(
      Connection c,
      String product,
      String installation,
      String member,
      String actor,
      Instant now,
      String jsonToText,
      Instant idsSince)
      throws SQLException {
    List<String> messageIds =
        idsSince == null ? List.of() : ids(c, product, installation, idsSince);
    long rollupRows = 0;
    if (RollupDelta.maintained()) {
      RollupSql.lockForRecount(c); // before any row of the rollups is changed
      RollupDelta mine = new RollupDelta();
      String rolledUp = rolledUp(c, product);
      try (PreparedStatement ps =
          c.prepareStatement(
              select(jsonToText) + " WHERE product = ? AND installation_id = ?" + rolledUp)) {
        ps.setString(1, product);
        ps.setString(2, installation);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            StoredEvent e = SqlReads.event(rs);
            mine.add(e);
          }
        }
      }
      rollupRows += subtractCounts(c, mine);
      rollupRows += removeMembers(c, product, member);
      rollupRows += delete(c, "rollup_latest", "installation_id", product, member);
      rollupRows += delete(c, "rollup_installations", "installation_id", product, member);
      rollupRows +=
          RollupSql.execute(
              c,
              "DELETE FROM rollup_seen WHERE product = ? AND member = ? AND family <> ?",
              product,
              member,
              RollupDelta.PROJECT);
      long events = deleteEvents(c, product, installation);
      rollupRows += recomputeProjects(c, product, mine, jsonToText, rolledUp);
      rollupRows += dropEmptyCounts(c, product, mine, jsonToText, rolledUp);
      RollupSql.recountSeen(c, product); // its seen rows are gone, its projects' made again
      return finish(c, product, installation, actor, now, events, rollupRows, messageIds);
    }
    long events = deleteEvents(c, product, installation);
    return finish(c, product, installation, actor, now, events, rollupRows, messageIds);
  }

  private static Result finish(
      Connection c,
      String product,
      String installation,
      String actor,
      Instant now,
      long events,
      long rollupRows,
      List<String> messageIds)
      throws SQLException {
    long quarantined =
        RollupSql.execute(
            c,
            "DELETE FROM quarantine WHERE product = ? AND strpos(raw, ?) > 0",
            product,
            RollupDelta.jsonString(installation));
    Erased erased = new Erased(events, quarantined, rollupRows);
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO audit_log (happened_at, actor, action, product, events, quarantined, rollup_rows)"
                + " VALUES (?, ?, 'erase', ?, ?, ?, ?)")) {
      ps.setObject(1, SqlReads.utc(now));
      ps.setString(2, actor);
      ps.setString(3, product);
      ps.setLong(4, events);
      ps.setLong(5, quarantined);
      ps.setLong(6, rollupRows);
      ps.executeUpdate();
    }
    return new Result(erased, messageIds);
  }

  /** The audit log's table; every store creates it (PostgreSQL in its migration V3). */
  static String createAuditLog(String text) {
    return "CREATE TABLE IF NOT EXISTS audit_log (happened_at TIMESTAMP NOT NULL, actor "
        + text
        + " NOT NULL, action "
        + text
        + " NOT NULL, product "
        + text
        + " NOT NULL, events BIGINT NOT NULL, quarantined BIGINT NOT NULL,"
        + " rollup_rows BIGINT NOT NULL)";
  }

  /** The audit log, newest first. */
  static Table auditLog(Connection c, int limit) throws SQLException {
    List<List<Object>> rows = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT happened_at, actor, action, product, events, quarantined, rollup_rows FROM audit_log"
                + " ORDER BY happened_at DESC LIMIT ?")) {
      ps.setInt(1, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(
              List.of(
                  SqlReads.instant(rs.getObject(1, LocalDateTime.class)).toString(),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getLong(5),
                  rs.getLong(6),
                  rs.getLong(7)));
        }
      }
    }
    return new Table(
        List.of(
            "happened_at", "actor", "action", "product", "events", "quarantined", "rollup_rows"),
        rows);
  }

  private static String select(String jsonToText) {
    return "SELECT " + SqlReads.columns(jsonToText) + " FROM events";
  }

  /**
   * The condition that keeps a product's events already rolled up: all of them, unless a backfill
   * is under way (then those received from its horizon on, and those before where it has come to).
   */
  private static String rolledUp(Connection c, String product) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT horizon, next_ts FROM rollup_state WHERE product = ?")) {
      ps.setString(1, product);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next() || rs.getObject(2) == null) {
          return "";
        }
        // Timestamps the store wrote itself, printed as SQL literals: no text from a client.
        return " AND (received_at >= TIMESTAMP '"
            + rs.getObject(1, LocalDateTime.class)
            + "' OR ts < TIMESTAMP '"
            + rs.getObject(2, LocalDateTime.class)
            + "')";
      }
    }
  }

  /** Takes the installation's sums out of {@code rollup_counts}. */
  private static long subtractCounts(Connection c, RollupDelta mine) throws SQLException {
    List<Object[]> rows = mine.rows(RollupTable.COUNTS);
    if (rows.isEmpty()) {
      return 0;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE rollup_counts SET n = n - ? WHERE product = ? AND day = ? AND scope = ?"
                + " AND family = ? AND name = ? AND sub = ?")) {
      for (Object[] r : rows) {
        ps.setDouble(1, (Double) r[6]);
        for (int i = 0; i < 6; i++) {
          ps.setObject(i + 2, r[i]);
        }
        ps.addBatch();
      }
      long n = 0;
      for (int k : ps.executeBatch()) {
        n += Math.max(k, 0);
      }
      return n;
    }
  }

  /** Deletes its member rows, one member fewer in each day's count of members. */
  private static long removeMembers(Connection c, String product, String member)
      throws SQLException {
    List<Object[]> days = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT family, scope, day, count(*) FROM rollup_members WHERE product = ?"
                + " AND member = ? GROUP BY family, scope, day")) {
      ps.setString(1, product);
      ps.setString(2, member);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          days.add(
              new Object[] {
                rs.getString(1), rs.getString(2), rs.getObject(3, LocalDate.class), rs.getLong(4)
              });
        }
      }
    }
    if (days.isEmpty()) {
      return 0;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE rollup_counts SET n = n - ? WHERE product = ? AND family = ? AND name = ?"
                + " AND scope = ? AND day = ? AND sub = ''")) {
      for (Object[] d : days) {
        ps.setDouble(1, ((Long) d[3]).doubleValue());
        ps.setString(2, product);
        ps.setString(3, RollupDelta.MEMBERS);
        ps.setString(4, (String) d[0]);
        ps.setString(5, (String) d[1]);
        ps.setObject(6, d[2]);
        ps.addBatch();
      }
      ps.executeBatch();
    }
    return delete(c, "rollup_members", "member", product, member)
        + delete(c, "rollup_days", "member", product, member);
  }

  /**
   * The seen rows of the projects it ran commands in, made again from the events kept (rolled up):
   * updated where others ran them too, deleted where nobody else did.
   */
  private static long recomputeProjects(
      Connection c, String product, RollupDelta mine, String jsonToText, String rolledUp)
      throws SQLException {
    Set<List<String>> touched = new LinkedHashSet<>();
    for (Object[] r : mine.rows(RollupTable.SEEN)) {
      if (RollupDelta.PROJECT.equals(r[1])) {
        touched.add(List.of((String) r[2], (String) r[3], (String) r[4]));
      }
    }
    if (touched.isEmpty()) {
      return 0;
    }
    Set<String> projects = new HashSet<>();
    touched.forEach(k -> projects.add(k.get(2)));
    RollupDelta others = new RollupDelta();
    for (String project : projects) {
      try (PreparedStatement ps =
          c.prepareStatement(
              select(jsonToText)
                  + " WHERE product = ? AND event = 'CommandExited' AND strpos(properties"
                  + jsonToText
                  + ", ?) > 0"
                  + rolledUp)) {
        ps.setString(1, product);
        ps.setString(2, project);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            others.add(SqlReads.event(rs));
          }
        }
      }
    }
    Map<List<String>, LocalDate[]> kept = new LinkedHashMap<>();
    for (Object[] r : others.rows(RollupTable.SEEN)) {
      List<String> k = List.of((String) r[2], (String) r[3], (String) r[4]);
      if (RollupDelta.PROJECT.equals(r[1]) && touched.contains(k)) {
        kept.put(k, new LocalDate[] {(LocalDate) r[5], (LocalDate) r[6]});
      }
    }
    long n = 0;
    for (List<String> k : touched) {
      LocalDate[] days = kept.get(k);
      if (days == null) {
        n +=
            RollupSql.execute(
                c,
                "DELETE FROM rollup_seen WHERE product = ? AND family = ? AND scope = ?"
                    + " AND name = ? AND member = ?",
                product,
                RollupDelta.PROJECT,
                k.get(0),
                k.get(1),
                k.get(2));
      } else {
        n +=
            RollupSql.execute(
                c,
                "UPDATE rollup_seen SET first_day = ?, last_day = ? WHERE product = ?"
                    + " AND family = ? AND scope = ? AND name = ? AND member = ?",
                days[0],
                days[1],
                product,
                RollupDelta.PROJECT,
                k.get(0),
                k.get(1),
                k.get(2));
      }
    }
    return n;
  }

  /**
   * Deletes the sums nobody else added to. Every contribution but a health unit's is at least 1, so
   * those left at 0 go; a health unit may count 0, so it goes only when no kept event of its day
   * names it.
   */
  private static long dropEmptyCounts(
      Connection c, String product, RollupDelta mine, String jsonToText, String rolledUp)
      throws SQLException {
    long n =
        RollupSql.execute(
            c,
            "DELETE FROM rollup_counts WHERE product = ? AND family <> ? AND n < 0.5",
            product,
            RollupDelta.HEALTH);
    Set<LocalDate> days = new LinkedHashSet<>();
    for (Object[] r : mine.rows(RollupTable.COUNTS)) {
      if (RollupDelta.HEALTH.equals(r[3])) {
        days.add((LocalDate) r[1]);
      }
    }
    for (LocalDate day : days) {
      RollupDelta others = new RollupDelta();
      try (PreparedStatement ps =
          c.prepareStatement(
              select(jsonToText)
                  + " WHERE product = ? AND event = 'health' AND ts >= ? AND ts < ?"
                  + rolledUp)) {
        ps.setString(1, product);
        ps.setObject(2, day.atStartOfDay());
        ps.setObject(3, day.plusDays(1).atStartOfDay());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            others.add(SqlReads.event(rs));
          }
        }
      }
      Set<List<Object>> named = new HashSet<>();
      for (Object[] r : others.rows(RollupTable.COUNTS)) {
        if (RollupDelta.HEALTH.equals(r[3])) {
          named.add(List.of(r[2], r[4]));
        }
      }
      for (Object[] r : mine.rows(RollupTable.COUNTS)) {
        if (RollupDelta.HEALTH.equals(r[3])
            && day.equals(r[1])
            && !named.contains(List.of(r[2], r[4]))) {
          n +=
              RollupSql.execute(
                  c,
                  "DELETE FROM rollup_counts WHERE product = ? AND day = ? AND scope = ?"
                      + " AND family = ? AND name = ? AND sub = ?",
                  r[0],
                  r[1],
                  r[2],
                  r[3],
                  r[4],
                  r[5]);
        }
      }
    }
    return n;
  }

  private static List<String> ids(Connection c, String product, String installation, Instant since)
      throws SQLException {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT message_id FROM events WHERE product = ? AND installation_id = ?"
                + " AND received_at >= ?")) {
      ps.setString(1, product);
      ps.setString(2, installation);
      ps.setObject(3, SqlReads.utc(since));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
    }
    return ids;
  }

  private static long deleteEvents(Connection c, String product, String installation)
      throws SQLException {
    return RollupSql.execute(
        c, "DELETE FROM events WHERE product = ? AND installation_id = ?", product, installation);
  }

  private static long delete(
      Connection c, String table, String column, String product, String value) throws SQLException {
    return RollupSql.execute(
        c, "DELETE FROM " + table + " WHERE product = ? AND " + column + " = ?", product, value);
  }
}
