package dev.beacon.server.storage;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a product's public transparency page shows, with every bucket of fewer than {@code k}
 * installations merged into "other" here, on the server (and "other" itself left out while it is
 * under {@code k}): installations per week by version, OS and architecture (from the rollups; OS
 * and architecture as each installation last reported them), the report fields and the event names
 * that at least {@code k} installations sent. The event names are read from raw events (the rollups
 * keep commands, not every event name): a page caches its answer.
 */
public final class PublicFigures {
  /** The dimensions {@link #overTime} breaks installations down by. */
  public static final List<String> DIMENSIONS = List.of("version", "os", "arch");

  static final String OTHER = "other";
  private static final int MAX_PATHS = 10_000;

  private final SqlReads.Connector connector;

  private PublicFigures(SqlReads.Connector connector) {
    this.connector = connector;
  }

  public static PublicFigures of(EventStore store) {
    return new PublicFigures(store.fleet().connector());
  }

  /** A bucket of a week: a name and how many installations. */
  public record Bucket(String name, long installations) {}

  /**
   * Per week (its Monday) from the week of {@code since}: installations active that week by {@code
   * dimension}, buckets under {@code k} merged into "other", largest first.
   */
  public Map<LocalDate, List<Bucket>> overTime(
      String product, LocalDate since, String dimension, int k) {
    LocalDate monday = since.minusDays(since.getDayOfWeek().getValue() - 1L);
    String week = "CAST(date_trunc('week', CAST(m.day AS TIMESTAMP)) AS DATE)";
    String members =
        " FROM rollup_members m WHERE m.product = ? AND m.family = 'active' AND m.day >= ?";
    String sql =
        switch (dimension) {
          case "version" ->
              "SELECT "
                  + week
                  + ", substr(m.scope, 2), count(DISTINCT m.member)"
                  + members
                  + " AND m.scope LIKE '=%' AND m.scope <> '=' GROUP BY 1, 2";
          case "os" ->
              "SELECT "
                  + week
                  + ", i.os, count(DISTINCT m.member) FROM rollup_members m LEFT JOIN"
                  + " rollup_installations i ON i.product = m.product"
                  + " AND i.installation_id = m.member WHERE m.product = ? AND m.family = 'active'"
                  + " AND m.day >= ? AND m.scope = '*' GROUP BY 1, 2";
          case "arch" ->
              "SELECT "
                  + week
                  + ", l.arch, count(DISTINCT m.member) FROM rollup_members m LEFT JOIN"
                  + " rollup_latest l ON l.product = m.product AND l.scope = '*'"
                  + " AND l.installation_id = m.member WHERE m.product = ? AND m.family = 'active'"
                  + " AND m.day >= ? AND m.scope = '*' GROUP BY 1, 2";
          default -> throw new IllegalArgumentException("no dimension '" + dimension + "'");
        };
    Map<LocalDate, Map<String, Long>> weeks = new TreeMap<>();
    connector.read(
        "public figures",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, product);
            ps.setObject(2, monday);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                String name = rs.getString(2);
                weeks
                    .computeIfAbsent(rs.getObject(1, LocalDate.class), w -> new TreeMap<>())
                    .merge(
                        name == null || name.isEmpty() ? "(unknown)" : name,
                        rs.getLong(3),
                        Long::sum);
              }
            }
          }
          return null;
        });
    Map<LocalDate, List<Bucket>> out = new LinkedHashMap<>();
    weeks.forEach((w, buckets) -> out.put(w, suppress(buckets, k)));
    return out;
  }

  /** Buckets of at least k, largest first, then "other" if the rest reaches k. */
  static List<Bucket> suppress(Map<String, Long> buckets, int k) {
    List<Bucket> kept = new ArrayList<>();
    long other = 0;
    for (Map.Entry<String, Long> b : buckets.entrySet()) {
      if (b.getValue() >= k && !b.getKey().equals(OTHER)) {
        kept.add(new Bucket(b.getKey(), b.getValue()));
      } else {
        other += b.getValue();
      }
    }
    kept.sort((a, b) -> Long.compare(b.installations(), a.installations()));
    if (other >= k) {
      kept.add(new Bucket(OTHER, other));
    }
    return kept;
  }

  /**
   * The report fields (dotted paths, {@code []} for an array's elements) that at least {@code k}
   * installations' latest reports since {@code since} hold, in name order.
   */
  public List<String> reportFields(String product, LocalDate since, int k) {
    Map<String, Long> counts = new TreeMap<>();
    connector.read(
        "public figures",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT CAST(properties AS VARCHAR) FROM rollup_latest WHERE product = ?"
                      + " AND scope = '*' AND ts >= ?")) {
            ps.setFetchSize(SqlReads.FETCH);
            ps.setString(1, product);
            ps.setObject(2, since.atStartOfDay());
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                for (String path : paths(rs.getString(1))) {
                  if (counts.containsKey(path) || counts.size() < MAX_PATHS) {
                    counts.merge(path, 1L, Long::sum);
                  }
                }
              }
            }
          }
          return null;
        });
    List<String> out = new ArrayList<>();
    counts.forEach(
        (path, n) -> {
          if (n >= k) {
            out.add(path);
          }
        });
    return out;
  }

  /** The event names (type, then name) that at least {@code k} installations sent since then. */
  public List<String> eventNames(String product, LocalDate since, int k) {
    List<String> out = new ArrayList<>();
    connector.read(
        "public figures",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT type, event FROM events WHERE product = ? AND ts >= ?"
                      + " GROUP BY type, event HAVING count(DISTINCT installation_id) >= ?"
                      + " ORDER BY 1, 2")) {
            ps.setString(1, product);
            ps.setObject(2, since.atStartOfDay());
            ps.setInt(3, k);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                String event = rs.getString(2);
                out.add(rs.getString(1) + (event == null ? "" : " " + event));
              }
            }
          }
          return null;
        });
    return out;
  }

  /** A JSON document's key paths, each once; none when it is not JSON (never an error). */
  static Set<String> paths(String json) {
    Set<String> out = new HashSet<>();
    if (json == null) {
      return out;
    }
    try {
      walk(RollupFacts.STORED.readTree(json), "", out);
    } catch (IOException | RuntimeException notJson) {
      return out;
    }
    return out;
  }

  private static void walk(JsonNode n, String prefix, Set<String> out) {
    if (n.isObject()) {
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
        out.add(path);
        walk(e.getValue(), path, out);
      }
    } else if (n.isArray()) {
      for (JsonNode element : n) {
        walk(element, prefix + "[]", out);
      }
    }
  }
}
