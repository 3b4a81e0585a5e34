package dev.beacon.server.storage;

import static dev.beacon.server.storage.RollupDelta.ACTIVE;
import static dev.beacon.server.storage.RollupDelta.MEMBERS;

import dev.beacon.server.storage.FleetQueries.Filter;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How releases spread, from the rollups: each version's share of the active installations per day,
 * the days each took to reach 10, 50 and 90 %, and the upgrade paths between them.
 */
public final class ReleaseTrends extends TrendReads {
  /** Shares {@link #releases} tells how many days a version took to reach. */
  static final int[] RELEASE_SHARES = {10, 50, 90};

  ReleaseTrends(SqlReads.Connector connector, FleetQueries fleet) {
    super(connector, fleet);
  }

  /**
   * Per day and version: installations active with it, and their share (%) of the installations
   * active that day (one that ran two versions that day counts in both).
   */
  public Table versionShare(Filter f) {
    Table versions = fleet.versionsOverTime(f);
    Map<String, Long> totals = new HashMap<>();
    for (List<Object> r :
        run(
                List.of("day", "n"),
                "SELECT day, CAST(n AS BIGINT) FROM rollup_counts WHERE product = ? AND family = ?"
                    + " AND name = ? AND scope = ? AND day >= ?",
                f.product(),
                MEMBERS,
                ACTIVE,
                RollupDelta.ALL,
                FleetQueries.firstDay(f.since()))
            .rows()) {
      totals.put((String) r.get(0), number(r.get(1)));
    }
    List<List<Object>> rows = new ArrayList<>();
    for (List<Object> r : versions.rows()) {
      long n = number(r.get(2));
      long total = totals.getOrDefault((String) r.get(0), 0L);
      rows.add(List.of(r.get(0), r.get(1), n, total == 0 ? 0.0 : FleetQueries.percent(n, total)));
    }
    return new Table(List.of("day", "version", "installations", "percent"), rows);
  }

  /**
   * Per version active in the window: its first day in the window, its share (%) of the active
   * installations on the window's last whole day and at its peak, and the days it took from its
   * first day to reach 10, 50 and 90 % (null: not reached). Computed from {@link #versionShare}.
   */
  public Table releases(Filter f) {
    return releases(versionShare(f), FleetQueries.today());
  }

  /**
   * {@link #releases} of a {@link #versionShare} table (the tests' reference derives it alike).
   * "Now" is the last whole day in it (today has only begun), or today when it has no other.
   */
  static Table releases(Table share, LocalDate today) {
    Map<String, List<List<Object>>> byVersion = new LinkedHashMap<>();
    String lastDay = null;
    String lastWholeDay = null;
    for (List<Object> r : share.rows()) {
      byVersion.computeIfAbsent((String) r.get(1), k -> new ArrayList<>()).add(r);
      String day = (String) r.get(0);
      lastDay = lastDay == null || day.compareTo(lastDay) > 0 ? day : lastDay;
      if (day.compareTo(today.toString()) < 0) {
        lastWholeDay = lastWholeDay == null || day.compareTo(lastWholeDay) > 0 ? day : lastWholeDay;
      }
    }
    if (lastWholeDay != null) {
      lastDay = lastWholeDay;
    }
    List<List<Object>> rows = new ArrayList<>();
    for (Map.Entry<String, List<List<Object>>> e : byVersion.entrySet()) {
      List<List<Object>> days = new ArrayList<>(e.getValue());
      days.sort(Comparator.comparing(r -> (String) r.get(0)));
      LocalDate first = LocalDate.parse((String) days.get(0).get(0));
      double peak = 0;
      double latest = 0;
      Integer[] reached = new Integer[RELEASE_SHARES.length];
      for (List<Object> r : days) {
        double p = ((Number) r.get(3)).doubleValue();
        peak = Math.max(peak, p);
        if (r.get(0).equals(lastDay)) {
          latest = p;
        }
        for (int i = 0; i < RELEASE_SHARES.length; i++) {
          if (reached[i] == null && p >= RELEASE_SHARES[i]) {
            reached[i] = (int) ChronoUnit.DAYS.between(first, LocalDate.parse((String) r.get(0)));
          }
        }
      }
      rows.add(
          Arrays.asList(
              e.getKey(), first.toString(), latest, peak, reached[0], reached[1], reached[2]));
    }
    rows.sort(
        Comparator.comparing((List<Object> r) -> (String) r.get(1))
            .reversed()
            .thenComparing(r -> (String) r.get(0)));
    return new Table(
        List.of(
            "version",
            "first_day",
            "percent_now",
            "peak_percent",
            "days_to_10",
            "days_to_50",
            "days_to_90"),
        rows);
  }

  /**
   * Upgrade paths: each installation's versions in the order it was first seen with each (then last
   * seen, then by name); a move from one to the next whose first day is in the window, counted per
   * (from, to). With a version, the moves from or to it.
   */
  public Table upgrades(Filter f) {
    if (fleet.dialect() == Dialect.POSTGRES) {
      return upgradesCounted(f);
    }
    String sql =
        "SELECT substr(prev, 2), substr(scope, 2), count(*) FROM (SELECT scope, first_day,"
            + " lag(scope) OVER (PARTITION BY member ORDER BY first_day, last_day, scope) AS prev"
            + " FROM rollup_seen WHERE product = ? AND "
            + UpgradeMoves.VERSION_ROWS
            + ") moves"
            + " WHERE prev IS NOT NULL AND first_day >= ?"
            + (f.version() == null ? "" : " AND (prev = ? OR scope = ?)")
            + " GROUP BY prev, scope ORDER BY 3 DESC, 1, 2";
    List<Object> params = new ArrayList<>(List.of(f.product(), FleetQueries.firstDay(f.since())));
    if (f.version() != null) {
      params.add(FleetQueries.scope(f));
      params.add(FleetQueries.scope(f));
    }
    return FleetQueries.withMinimum(
        run(List.of("from_version", "to_version", "installations"), sql, params), 2, f);
  }

  /** {@link #upgrades} from the moves PostgreSQL counts as they happen ({@link UpgradeMoves}). */
  private Table upgradesCounted(Filter f) {
    String sql =
        "SELECT name, sub, CAST(sum(n) AS BIGINT) FROM rollup_counts WHERE product = ?"
            + " AND family = '"
            + UpgradeMoves.MOVE
            + "' AND scope = '*' AND day >= ?"
            + (f.version() == null ? "" : " AND (name = ? OR sub = ?)")
            + " GROUP BY name, sub HAVING sum(n) > 0 ORDER BY 3 DESC, 1, 2";
    List<Object> params = new ArrayList<>(List.of(f.product(), FleetQueries.firstDay(f.since())));
    if (f.version() != null) {
      String version = FleetQueries.scope(f).substring(1); // as the counts hold it
      params.add(version);
      params.add(version);
    }
    return FleetQueries.withMinimum(
        run(List.of("from_version", "to_version", "installations"), sql, params), 2, f);
  }
}
