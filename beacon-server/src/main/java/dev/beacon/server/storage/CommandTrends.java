package dev.beacon.server.storage;

import static dev.beacon.server.storage.RollupDelta.COMMAND;
import static dev.beacon.server.storage.RollupDelta.DURATION;
import static dev.beacon.server.storage.RollupDelta.HEALTH;
import static dev.beacon.server.storage.RollupDelta.MEMBERS;
import static dev.beacon.server.storage.RollupDelta.OPTION;
import static dev.beacon.server.storage.RollupDelta.PROJECT;
import static dev.beacon.server.storage.RollupDelta.SEEN_LAST;

import dev.beacon.server.storage.FleetQueries.Filter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * CLI commands from the rollups: runs, success and duration per command, per day and per version,
 * option use, the exit codes of failed runs; and the units reported unhealthy (DC/OS health), per
 * day and the worst ones.
 */
public final class CommandTrends extends TrendReads {
  CommandTrends(SqlReads.Connector connector, FleetQueries fleet) {
    super(connector, fleet);
  }

  /**
   * Per day, for the {@value TrendReads#TOP} commands run most in the window: runs, success rate,
   * and duration percentiles (ms).
   */
  public Table commandTrend(Filter f) {
    return commandFigures(f, "day", shownCommands(f), TOP);
  }

  /** Per version and command: runs, success rate, and duration percentiles (ms). */
  public Table commandVersions(Filter f) {
    return commandFigures(f, "version", shownCommands(f), Integer.MAX_VALUE);
  }

  /**
   * The commands {@link #byCommand} shows, most run first ("" for runs without one); null when it
   * shows every command run (no minimum of installations), which needs no read of its own.
   */
  private Set<String> shownCommands(Filter f) {
    if (f.minInstallations() <= 1) {
      return null;
    }
    Set<String> shown = new LinkedHashSet<>();
    for (List<Object> r : byCommand(f).rows()) {
      shown.add(r.get(0) == null ? "" : (String) r.get(0));
    }
    return shown;
  }

  private Table commandFigures(Filter f, String by, Set<String> shown, int most) {
    String key = by.equals("day") ? "day" : "substr(scope, 2)";
    List<Object> params = FleetQueries.windowParams(f, COMMAND, DURATION);
    Table sums =
        run(
            List.of(by, "family", "name", "sub", "n"),
            "SELECT "
                + key
                + ", family, name, sub, sum(n) FROM rollup_counts WHERE product = ?"
                + " AND family IN (?, ?) AND day >= ?"
                + FleetQueries.versionScope(f)
                + (by.equals("day") ? "" : " AND scope <> '='")
                + " GROUP BY 1, 2, 3, 4",
            params);
    Map<List<String>, CommandFigures> figures = new TreeMap<>(KEY_ORDER);
    Map<String, Long> runs = new HashMap<>();
    for (List<Object> r : sums.rows()) {
      String command = (String) r.get(2);
      if ("runs".equals(r.get(3)) && COMMAND.equals(r.get(1))) {
        runs.merge(command, number(r.get(4)), Long::sum);
      }
    }
    // The commands drawn: those shown, or every one run, most run first (as commands() lists them).
    List<String> order = new ArrayList<>();
    if (shown != null) {
      order.addAll(shown);
    } else {
      runs.forEach((command, n) -> order.add(command));
      order.sort(
          Comparator.comparingLong((String c) -> -runs.get(c))
              .thenComparing(
                  c -> c.isEmpty() ? null : c, Comparator.nullsLast(Comparator.naturalOrder())));
    }
    Set<String> commands = new HashSet<>();
    for (String c : order) {
      if (commands.size() < most && runs.getOrDefault(c, 0L) > 0) {
        commands.add(c);
      }
    }
    for (List<Object> r : sums.rows()) {
      String command = (String) r.get(2);
      if (commands.contains(command)) {
        figures
            .computeIfAbsent(List.of((String) r.get(0), command), k -> new CommandFigures())
            .add((String) r.get(1), (String) r.get(3), r.get(4));
      }
    }
    List<List<Object>> rows = new ArrayList<>();
    figures.forEach(
        (k, c) -> {
          if (c.runs > 0) {
            List<Object> row = new ArrayList<>();
            row.add(k.get(0));
            row.add(k.get(1).isEmpty() ? null : k.get(1));
            row.addAll(c.figures());
            rows.add(row);
          }
        });
    return new Table(
        List.of(by, "command", "runs", "success_rate", "p50_ms", "p95_ms", "p99_ms"), rows);
  }

  private static final Comparator<List<String>> KEY_ORDER =
      Comparator.comparing((List<String> k) -> k.get(0)).thenComparing(k -> k.get(1));

  /** A command's sums: runs, successes, duration sketch buckets. */
  static final class CommandFigures {
    long runs;
    long ok;
    final Map<String, Long> durations = new LinkedHashMap<>();

    void add(String family, String sub, Object sum) {
      long n = Math.round(((Number) sum).doubleValue());
      if (DURATION.equals(family)) {
        durations.merge(sub, n, Long::sum);
      } else if (sub.equals("runs")) {
        runs += n;
      } else if (sub.equals("ok")) {
        ok += n;
      }
    }

    /** Runs, success rate, p50, p95, p99 (null without durations). */
    List<Object> figures() {
      var buckets = DurationSketch.ordered(durations);
      return Arrays.asList(
          runs,
          ok / (double) runs,
          DurationSketch.quantile(buckets, 0.5),
          DurationSketch.quantile(buckets, 0.95),
          DurationSketch.quantile(buckets, 0.99));
    }
  }

  /** Failed runs in the window per command and exit code (every code but 0), most first. */
  public Table exitCodes(Filter f) {
    List<Object> params = FleetQueries.windowParams(f, COMMAND);
    Set<String> shown = shownCommands(f);
    List<List<Object>> rows = new ArrayList<>();
    for (List<Object> r :
        run(
                List.of("command", "sub", "runs"),
                "SELECT name, sub, CAST(sum(n) AS BIGINT) FROM rollup_counts WHERE product = ?"
                    + " AND family = ? AND day >= ? AND sub LIKE 'exit:%' AND sub <> 'exit:0'"
                    + FleetQueries.versionScope(f)
                    + " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
                params)
            .rows()) {
      if (shown == null || shown.contains((String) r.get(0))) {
        String command = (String) r.get(0);
        rows.add(
            Arrays.asList(
                command.isEmpty() ? null : command,
                ((String) r.get(1)).substring("exit:".length()),
                number(r.get(2))));
      }
    }
    return new Table(List.of("command", "exit_code", "runs"), rows);
  }

  /**
   * Units reported unhealthy in the window, the worst first: the sum of their unhealthy counts and
   * the days with any.
   */
  public Table healthUnits(Filter f) {
    List<Object> params = FleetQueries.windowParams(f, HEALTH);
    Table t =
        run(
            List.of("unit", "unhealthy", "days"),
            "SELECT name, sum(n), count(*) FROM (SELECT day, name, sum(n) AS n FROM rollup_counts"
                + " WHERE product = ? AND family = ? AND day >= ?"
                + FleetQueries.versionScope(f)
                + " GROUP BY 1, 2) d WHERE n > 0 GROUP BY 1 ORDER BY 2 DESC, 1",
            params);
    List<List<Object>> rows = new ArrayList<>();
    for (List<Object> r : t.rows()) {
      rows.add(List.of(unitName((String) r.get(0)), r.get(1), r.get(2)));
    }
    return new Table(t.columns(), rows);
  }

  /** A unit's name in DC/OS's {@code health-unit-NAME-unhealthy} key. */
  static String unitName(String key) {
    String prefix = "health-unit-";
    String suffix = "-unhealthy";
    return key.startsWith(prefix)
            && key.endsWith(suffix)
            && key.length() > prefix.length() + suffix.length()
        ? key.substring(prefix.length(), key.length() - suffix.length())
        : key;
  }

  /**
   * CLI commands: runs, success rate, duration percentiles (from merged {@link DurationSketch}
   * buckets: within 1 % of the exact ones), distinct projects and installations.
   */
  public Table byCommand(Filter f) {
    Map<String, CommandFigures> byCommand = new HashMap<>();
    Map<String, long[]> distinctByCommand = new HashMap<>();
    List<Object> params = FleetQueries.windowParams(f, COMMAND, DURATION);
    Table sums =
        run(
            List.of("family", "name", "sub", "n"),
            "SELECT family, name, sub, sum(n) FROM rollup_counts WHERE product = ?"
                + " AND family IN (?, ?) AND day >= ?"
                + FleetQueries.versionScope(f)
                + " GROUP BY 1, 2, 3",
            params);
    for (List<Object> r : sums.rows()) {
      byCommand
          .computeIfAbsent((String) r.get(1), k -> new CommandFigures())
          .add((String) r.get(0), (String) r.get(2), r.get(3));
    }
    // The seen rows counted by last day: those of the window's days are the ones last seen in it.
    Table distinct =
        run(
            List.of("family", "name", "n"),
            "SELECT sub, name, CAST(sum(n) AS BIGINT) FROM rollup_counts WHERE product = ?"
                + " AND family = ? AND sub IN (?, ?) AND scope = ? AND day >= ? GROUP BY 1, 2",
            f.product(),
            SEEN_LAST,
            COMMAND,
            PROJECT,
            FleetQueries.scope(f),
            FleetQueries.firstDay(f.since()));
    for (List<Object> r : distinct.rows()) {
      long n = ((Number) r.get(2)).longValue();
      distinctByCommand
              .computeIfAbsent((String) r.get(1), k -> new long[2])[
              COMMAND.equals(r.get(0)) ? 1 : 0] =
          n;
    }
    List<Map.Entry<String, CommandFigures>> ordered = new ArrayList<>();
    for (Map.Entry<String, CommandFigures> e : byCommand.entrySet()) {
      if (e.getValue().runs > 0) {
        ordered.add(e);
      }
    }
    ordered.sort(
        Comparator.comparingLong((Map.Entry<String, CommandFigures> e) -> -e.getValue().runs)
            .thenComparing(
                e -> e.getKey().isEmpty() ? null : e.getKey(),
                Comparator.nullsLast(Comparator.naturalOrder())));
    List<List<Object>> rows = new ArrayList<>();
    for (Map.Entry<String, CommandFigures> e : ordered) {
      long[] distinctCounts = distinctByCommand.getOrDefault(e.getKey(), new long[2]);
      List<Object> row = new ArrayList<>();
      row.add(e.getKey().isEmpty() ? null : e.getKey());
      row.addAll(e.getValue().figures());
      row.add(distinctCounts[0]);
      row.add(distinctCounts[1]);
      rows.add(row);
    }
    return FleetQueries.withMinimum(
        new Table(
            List.of(
                "command",
                "runs",
                "success_rate",
                "p50_ms",
                "p95_ms",
                "p99_ms",
                "projects",
                "installations"),
            rows),
        7,
        f);
  }

  /** How often each option is given to each command, and by how many installations. */
  public Table optionUse(Filter f) {
    return countedWithInstallations(f, OPTION, "option", "runs");
  }

  /**
   * Per day, the units reported unhealthy (the sum of DC/OS's {@code health-unit-*-unhealthy}), and
   * the installations that reported health.
   */
  public Table unhealthyUnits(Filter f) {
    List<Object> params = FleetQueries.windowParams(f, HEALTH);
    params.addAll(
        List.of(
            f.product(), MEMBERS, HEALTH, FleetQueries.scope(f), FleetQueries.firstDay(f.since())));
    String sql =
        "SELECT h.day, h.unhealthy, coalesce(m.reporting, 0) AS reporting FROM"
            + " (SELECT day, sum(n) AS unhealthy FROM rollup_counts WHERE product = ?"
            + " AND family = ? AND day >= ?"
            + FleetQueries.versionScope(f)
            + " GROUP BY day) h LEFT JOIN (SELECT day, CAST(n AS BIGINT) AS reporting"
            + " FROM rollup_counts WHERE product = ? AND family = ? AND name = ? AND scope = ?"
            + " AND day >= ?) m ON m.day = h.day ORDER BY 1";
    return run(List.of("day", "unhealthy", "reporting"), sql, params);
  }
}
