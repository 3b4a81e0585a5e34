package dev.beacon.server.storage;

import static dev.beacon.server.storage.RollupDelta.FEATURE;
import static dev.beacon.server.storage.RollupDelta.REPORTING;
import static dev.beacon.server.storage.RollupDelta.SEEN_FIRST;
import static dev.beacon.server.storage.RollupDelta.SEEN_LAST;

import dev.beacon.server.storage.FleetQueries.Filter;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Feature adoption from the rollups: the plugins and features installations report, over time and
 * by version.
 */
public final class FeatureTrends extends TrendReads {
  FeatureTrends(SqlReads.Connector connector, FleetQueries fleet) {
    super(connector, fleet);
  }

  /**
   * Per day, for the {@value TrendReads#TOP} plugins and features most installations named in the
   * window: the installations whose reports named it by that day and still did after it, and their
   * share (%) of the installations reporting across that day (first to last report).
   */
  public Table featureTrend(Filter f) {
    LocalDate from = FleetQueries.firstDay(f.since());
    // The seen rows counted by first and by last day (the days before the window as one, the day
    // before it): each first day adds its installations from that day (the window's first at the
    // earliest), each last day takes them away after it.
    LocalDate before = from.minusDays(1);
    Table days =
        run(
            List.of("family", "name", "day", "installations"),
            "SELECT family, name, CASE WHEN day < ? THEN ? ELSE day END, CAST(sum(n) AS BIGINT)"
                + " FROM rollup_counts WHERE product = ? AND family IN (?, ?) AND scope = ?"
                + " AND sub = ? GROUP BY 1, 2, 3",
            from,
            before,
            f.product(),
            SEEN_FIRST,
            SEEN_LAST,
            FleetQueries.scope(f),
            FEATURE);
    Map<String, NavigableMap<LocalDate, Long>> byName = new HashMap<>();
    Map<String, Long> installations = new HashMap<>();
    for (List<Object> r : days.rows()) {
      String name = (String) r.get(1);
      long n = number(r.get(3));
      if (n == 0) {
        continue;
      }
      LocalDate day = LocalDate.parse((String) r.get(2));
      NavigableMap<LocalDate, Long> deltas = byName.computeIfAbsent(name, k -> new TreeMap<>());
      if (SEEN_FIRST.equals(r.get(0))) {
        deltas.merge(day.isBefore(from) ? from : day, n, Long::sum);
      } else {
        deltas.merge(day.plusDays(1), -n, Long::sum);
        if (!day.isBefore(from)) {
          installations.merge(name, n, Long::sum); // last seen in the window
        }
      }
    }
    // The most installations first, then by name (code points, as in every store).
    List<String> top = new ArrayList<>();
    installations.entrySet().stream()
        .filter(e -> !REPORTING.equals(e.getKey()) && e.getValue() >= f.minInstallations())
        .sorted(
            Map.Entry.<String, Long>comparingByValue()
                .reversed()
                .thenComparing(Map.Entry.comparingByKey()))
        .limit(TOP)
        .forEach(e -> top.add(e.getKey()));
    long[] reporting = sweep(byName.get(REPORTING), from);
    List<List<Object>> rows = new ArrayList<>();
    for (String name : top) {
      long[] n = sweep(byName.get(name), from);
      for (int d = 0; d < n.length; d++) {
        String[] kindName = name.split(":", 2);
        rows.add(
            List.of(
                from.plusDays(d).toString(),
                kindName[0],
                kindName[1],
                n[d],
                reporting[d] == 0 ? 0.0 : FleetQueries.percent(n[d], reporting[d])));
      }
    }
    return new Table(List.of("day", "kind", "name", "installations", "percent"), rows);
  }

  /** Running sums of per-day changes, one per day from {@code from} to today. */
  private static long[] sweep(NavigableMap<LocalDate, Long> deltas, LocalDate from) {
    long[] out = new long[(int) ChronoUnit.DAYS.between(from, FleetQueries.today()) + 1];
    long n = 0;
    var it = deltas == null ? null : deltas.entrySet().iterator();
    var next = it != null && it.hasNext() ? it.next() : null;
    for (int d = 0; d < out.length; d++) {
      while (next != null && !next.getKey().isAfter(from.plusDays(d))) {
        n += next.getValue();
        next = it.hasNext() ? it.next() : null;
      }
      out[d] = n;
    }
    return out;
  }

  /**
   * Per version (of the reports) and plugin or feature: the installations whose reports of that
   * version in the window named it, and their share (%) of those that sent a report of it.
   */
  public Table featureVersions(Filter f) {
    Map<String, Long> reporting = new HashMap<>();
    // The seen rows counted by last day: those of the window's days are the ones last seen in it.
    Table counts =
        run(
            List.of("scope", "name", "installations"),
            "SELECT scope, name, CAST(sum(n) AS BIGINT) FROM rollup_counts WHERE product = ?"
                + " AND family = ? AND sub = ? AND day >= ? AND "
                + (f.version() == null ? "scope LIKE '=%' AND scope <> '='" : "scope = ?")
                + " GROUP BY 1, 2 HAVING sum(n) > 0.5",
            f.version() == null
                ? List.of(f.product(), SEEN_LAST, FEATURE, FleetQueries.firstDay(f.since()))
                : List.of(
                    f.product(),
                    SEEN_LAST,
                    FEATURE,
                    FleetQueries.firstDay(f.since()),
                    FleetQueries.scope(f)));
    for (List<Object> r : counts.rows()) {
      if (REPORTING.equals(r.get(1))) {
        reporting.put((String) r.get(0), number(r.get(2)));
      }
    }
    List<List<Object>> rows = new ArrayList<>();
    for (List<Object> r : counts.rows()) {
      String name = (String) r.get(1);
      long n = number(r.get(2));
      if (REPORTING.equals(name) || n < f.minInstallations()) {
        continue;
      }
      String[] kindName = name.split(":", 2);
      rows.add(
          List.of(
              ((String) r.get(0)).substring(1),
              kindName[0],
              kindName[1],
              n,
              FleetQueries.percent(n, reporting.get((String) r.get(0)))));
    }
    rows.sort(
        Comparator.comparing((List<Object> r) -> (String) r.get(0))
            .thenComparing(r -> (String) r.get(1))
            .thenComparing(r -> (String) r.get(2)));
    return new Table(List.of("version", "kind", "name", "installations", "percent"), rows);
  }
}
