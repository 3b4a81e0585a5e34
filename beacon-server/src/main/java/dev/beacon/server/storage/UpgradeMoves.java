package dev.beacon.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Upgrade paths counted as they happen, on PostgreSQL: {@link RollupTable#COUNTS}' family {@value
 * #MOVE} (name: the version moved from, sub: the one moved to, day: the first day of the second,
 * scope {@code *}) holds how many installations made each move. An installation's moves are its
 * version rows of {@link RollupTable#SEEN} (family {@code installation}, one version each) in the
 * order of their first day, then last day, then version (by code point), each to the next; so the
 * counts are a function of the seen rows, which {@link #movesFromSeen} computes whole.
 *
 * <p>A group commit whose seen upsert moved version rows reads those installations' version rows
 * (after the upsert: the index of migration V7 holds them in order), rebuilds what they were from
 * the upsert's {@code prev_first} and {@code prev_last}, and adds the difference of the two paths'
 * moves to the counts. What it reads is what other servers committed plus its own rows: every event
 * of an installation stages its seen row of all versions ({@code *}), whose upsert locks that row
 * until commit even when it changes nothing, so two commits with events of one installation take
 * turns from their seen upserts on. The differences of all the commits hence add up to the moves of
 * the rows as they end up, whatever the order of commits.
 *
 * <p>DuckDB does not keep these counts: its upgrade paths query reads the seen rows in one
 * vectorized pass within the target, and it has no index that finds an installation's version rows
 * without scanning them all at each merge.
 */
final class UpgradeMoves {
  private UpgradeMoves() {}

  /** {@link RollupTable#COUNTS}' family of upgrade moves. */
  static final String MOVE = "move";

  /**
   * The rows upgrade paths are made of: an installation's rows of one version each (the condition
   * of migration V7's partial index, which a plan uses only where a query says it literally).
   */
  static final String VERSION_ROWS =
      "family = '"
          + RollupDelta.INSTALLATION
          + "' AND name = '' AND scope LIKE '=%' AND scope <> '='";

  /** The moves of the seen rows, as count rows; {@code more}: more conditions (or nothing). */
  static String movesFromSeen(String more) {
    return "SELECT product, first_day, '*', '"
        + MOVE
        + "', substr(prev, 2), substr(scope, 2), count(*) FROM (SELECT product, scope,"
        + " first_day, lag(scope) OVER (PARTITION BY product, member ORDER BY first_day,"
        + " last_day, scope COLLATE \"C\") AS prev FROM rollup_seen WHERE "
        + VERSION_ROWS
        + more
        + ") moves WHERE prev IS NOT NULL GROUP BY product, first_day, prev, scope";
  }

  /** A version row of an installation: the rows upgrade paths are made of. */
  static boolean versionRow(String family, String scope, String name) {
    return RollupDelta.INSTALLATION.equals(family)
        && name.isEmpty()
        && scope.length() > 1
        && scope.charAt(0) == '=';
  }

  /**
   * Adds to {@code into} the moves that the seen upsert's {@code returned} rows ({@link
   * RollupSql#SEEN_RETURNING_MEMBER}) changed, in the caller's transaction: its counts are upserted
   * after.
   */
  static void count(Connection c, List<Object[]> returned, RollupDelta into) throws SQLException {
    // product → member → version → its days before the upsert (null: a new row)
    Map<String, Map<String, Map<String, LocalDate[]>>> moved = new TreeMap<>();
    for (Object[] r : returned) {
      String scope = (String) r[2];
      if (versionRow((String) r[1], scope, (String) r[3])) {
        moved
            .computeIfAbsent((String) r[0], k -> new HashMap<>())
            .computeIfAbsent((String) r[8], k -> new HashMap<>())
            .put(scope, new LocalDate[] {(LocalDate) r[6], (LocalDate) r[7]});
      }
    }
    for (Map.Entry<String, Map<String, Map<String, LocalDate[]>>> p : moved.entrySet()) {
      String product = p.getKey();
      Map<String, List<Version>> now = versions(c, product, p.getValue().keySet());
      Map<List<Object>, Integer> diff = new HashMap<>();
      for (Map.Entry<String, List<Version>> m : now.entrySet()) {
        Map<String, LocalDate[]> before = p.getValue().get(m.getKey());
        List<Version> then = new ArrayList<>();
        for (Version v : m.getValue()) {
          LocalDate[] prev = before.get(v.scope());
          if (prev == null) {
            then.add(v);
          } else if (prev[0] != null) {
            then.add(new Version(v.scope(), prev[0], prev[1]));
          }
        }
        moves(m.getValue(), 1, diff);
        moves(then, -1, diff);
      }
      diff.forEach(
          (k, n) -> {
            if (n != 0) {
              into.upgraded(product, (LocalDate) k.get(2), (String) k.get(0), (String) k.get(1), n);
            }
          });
    }
  }

  /**
   * Counts the moves again from the seen rows, for one product or (null) all: after work that
   * deletes seen rows in bulk (retention, erasure). PostgreSQL's migration V8 says the same.
   */
  static void recount(Connection c, String product) throws SQLException {
    String mine = product == null ? "" : " AND product = ?";
    Object[] params = product == null ? new Object[0] : new Object[] {product};
    RollupSql.execute(c, "DELETE FROM rollup_counts WHERE family = '" + MOVE + "'" + mine, params);
    RollupSql.execute(
        c,
        "INSERT INTO rollup_counts (product, day, scope, family, name, sub, n) "
            + movesFromSeen(mine),
        params);
  }

  private record Version(String scope, LocalDate first, LocalDate last) {}

  private static final Comparator<Version> ORDER =
      Comparator.comparing(Version::first)
          .thenComparing(Version::last)
          .thenComparing(Version::scope, UpgradeMoves::byCodePoint);

  /** As PostgreSQL's {@code COLLATE "C"} orders UTF-8 text: by code point. */
  private static int byCodePoint(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int x = a.codePointAt(i);
      int y = b.codePointAt(j);
      if (x != y) {
        return Integer.compare(x, y);
      }
      i += Character.charCount(x);
      j += Character.charCount(y);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  /** Adds {@code sign} for each move of an installation's versions: (from, to, day) → n. */
  private static void moves(List<Version> versions, int sign, Map<List<Object>, Integer> into) {
    List<Version> order = new ArrayList<>(versions);
    order.sort(ORDER);
    for (int i = 1; i < order.size(); i++) {
      Version to = order.get(i);
      into.merge(
          List.of(order.get(i - 1).scope().substring(1), to.scope().substring(1), to.first()),
          sign,
          Integer::sum);
    }
  }

  /** The installations' version rows as they are now (in this transaction). */
  private static Map<String, List<Version>> versions(
      Connection c, String product, Collection<String> members) throws SQLException {
    Map<String, List<Version>> out = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT member, scope, first_day, last_day FROM rollup_seen WHERE product = ?"
                + " AND member = ANY(?) AND "
                + VERSION_ROWS)) {
      ps.setString(1, product);
      ps.setArray(2, c.createArrayOf("text", members.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(
                  new Version(
                      rs.getString(2),
                      rs.getObject(3, LocalDate.class),
                      rs.getObject(4, LocalDate.class)));
        }
      }
    }
    return out;
  }
}
