package dev.beacon.server.storage;

import dev.beacon.protocol.CommandFields;
import dev.beacon.protocol.ReportFields;
import dev.beacon.server.storage.FleetQueries.Filter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The questions over time ({@link TrendReads}'s classes) answered from raw events, without the
 * rollups: the events' days, versions and installations read into memory and counted here, or
 * scanned in SQL as {@link RawFleetQueries} does. The reference every trend is checked against.
 */
final class RawTrends {
  private static final LocalDate MONDAY = LocalDate.of(1970, 1, 5);

  private final RawDialect dialect;
  private final SqlReads.Connector connector;
  private final RawFleetQueries raw;

  RawTrends(RawDialect dialect, SqlReads.Connector connector) {
    this.dialect = dialect;
    this.connector = connector;
    this.raw = new RawFleetQueries(dialect, connector);
  }

  /** An event's installation, UTC day and version (null: none), of one product. */
  private record Seen(String installation, LocalDate day, String version) {}

  private List<Seen> seen(String product) {
    List<Seen> out = new ArrayList<>();
    for (List<Object> r :
        run(
                List.of("i", "d", "v"),
                "SELECT installation_id, CAST(ts AS DATE), version FROM events WHERE product = ?"
                    + " AND installation_id IS NOT NULL",
                List.of(product))
            .rows()) {
      out.add(new Seen((String) r.get(0), LocalDate.parse((String) r.get(1)), (String) r.get(2)));
    }
    return out;
  }

  private static boolean in(Seen s, Filter f) {
    return f.version() == null || f.version().equals(s.version());
  }

  private static LocalDate from(Filter f) {
    return FleetQueries.firstDay(f.since());
  }

  private static LocalDate today() {
    return LocalDate.now(ZoneOffset.UTC);
  }

  /** Each installation's active days (version filter applies). */
  private Map<String, NavigableSet<LocalDate>> days(Filter f) {
    Map<String, NavigableSet<LocalDate>> out = new HashMap<>();
    for (Seen s : seen(f.product())) {
      if (in(s, f)) {
        out.computeIfAbsent(s.installation(), k -> new TreeSet<>()).add(s.day());
      }
    }
    return out;
  }

  Table activity(Filter f) {
    Map<String, NavigableSet<LocalDate>> days = days(f);
    List<List<Object>> rows = new ArrayList<>();
    for (LocalDate d = from(f); !d.isAfter(today()); d = d.plusDays(1)) {
      long[] n = new long[3];
      int[] spans = {1, 7, 30};
      for (NavigableSet<LocalDate> active : days.values()) {
        for (int i = 0; i < 3; i++) {
          if (!active.subSet(d.minusDays(spans[i] - 1L), true, d, true).isEmpty()) {
            n[i]++;
          }
        }
      }
      rows.add(List.of(d.toString(), n[0], n[1], n[2]));
    }
    return new Table(List.of("day", "active_1d", "active_7d", "active_30d"), rows);
  }

  Table growth(Filter f) {
    LocalDate from = from(f);
    long length = ChronoUnit.DAYS.between(from, today()) + 1;
    LocalDate before = from.minusDays(length);
    LocalDate lastLost = today().minusDays(7);
    long[] n = new long[6];
    for (NavigableSet<LocalDate> active : days(f).values()) {
      LocalDate first = active.first();
      LocalDate last = active.last();
      n[0] += !last.isBefore(from) ? 1 : 0;
      n[1] += active.subSet(before, true, from, false).isEmpty() ? 0 : 1;
      n[2] += !first.isBefore(from) ? 1 : 0;
      n[3] += !first.isBefore(before) && first.isBefore(from) ? 1 : 0;
      n[4] += !last.isBefore(from) && !last.isAfter(lastLost) ? 1 : 0;
      n[5] += !last.isBefore(before) && last.isBefore(from) && !last.isAfter(lastLost) ? 1 : 0;
    }
    List<List<Object>> rows = new ArrayList<>();
    String[] names = {"active", "new", "lost"};
    for (int i = 0; i < 3; i++) {
      long now = n[2 * i];
      long then = n[2 * i + 1];
      Double change = then == 0 ? null : FleetQueries.percent(now - then, then);
      rows.add(Arrays.asList(names[i], now, then, change));
    }
    return new Table(List.of("figure", "window", "previous_window", "change_percent"), rows);
  }

  Table versionShare(Filter f) {
    Map<LocalDate, Set<String>> all = new HashMap<>();
    Map<List<Object>, Set<String>> byVersion =
        new TreeMap<>(Comparator.comparing(Object::toString));
    for (Seen s : seen(f.product())) {
      if (s.day().isBefore(from(f))) {
        continue;
      }
      all.computeIfAbsent(s.day(), k -> new HashSet<>()).add(s.installation());
      if (s.version() != null && in(s, f)) {
        byVersion
            .computeIfAbsent(List.of(s.day(), s.version()), k -> new HashSet<>())
            .add(s.installation());
      }
    }
    List<List<Object>> rows = new ArrayList<>();
    byVersion.forEach(
        (k, inst) -> {
          if (inst.size() >= f.minInstallations()) {
            long total = all.get((LocalDate) k.get(0)).size();
            rows.add(
                List.of(
                    k.get(0).toString(),
                    k.get(1),
                    (long) inst.size(),
                    FleetQueries.percent(inst.size(), total)));
          }
        });
    return new Table(List.of("day", "version", "installations", "percent"), rows);
  }

  Table releases(Filter f) {
    return ReleaseTrends.releases(versionShare(f), today());
  }

  Table upgrades(Filter f) {
    // Every installation's first and last day with each version, over all its events.
    Map<String, Map<String, LocalDate[]>> spans = new HashMap<>();
    for (Seen s : seen(f.product())) {
      if (s.version() == null) {
        continue;
      }
      LocalDate[] d =
          spans
              .computeIfAbsent(s.installation(), k -> new HashMap<>())
              .computeIfAbsent(s.version(), k -> new LocalDate[] {s.day(), s.day()});
      d[0] = s.day().isBefore(d[0]) ? s.day() : d[0];
      d[1] = s.day().isAfter(d[1]) ? s.day() : d[1];
    }
    Map<List<String>, Long> moves = new TreeMap<>(Comparator.comparing(Object::toString));
    for (Map<String, LocalDate[]> versions : spans.values()) {
      List<Map.Entry<String, LocalDate[]>> order = new ArrayList<>(versions.entrySet());
      order.sort(
          Comparator.comparing((Map.Entry<String, LocalDate[]> e) -> e.getValue()[0])
              .thenComparing(e -> e.getValue()[1])
              .thenComparing(e -> "=" + e.getKey()));
      for (int i = 1; i < order.size(); i++) {
        String prev = order.get(i - 1).getKey();
        String to = order.get(i).getKey();
        boolean named = f.version() == null || f.version().equals(prev) || f.version().equals(to);
        if (!order.get(i).getValue()[0].isBefore(from(f)) && named) {
          moves.merge(List.of(prev, to), 1L, Long::sum);
        }
      }
    }
    List<List<Object>> rows = new ArrayList<>();
    moves.forEach(
        (k, n) -> {
          if (n >= f.minInstallations()) {
            rows.add(List.of(k.get(0), k.get(1), n));
          }
        });
    return new Table(List.of("from_version", "to_version", "installations"), rows);
  }

  Table retention(Filter f) {
    Map<List<Long>, Long> counts = new HashMap<>();
    for (NavigableSet<LocalDate> active : days(f).values()) {
      if (active.first().isBefore(from(f))) {
        continue;
      }
      long cohort = week(active.first());
      Set<Long> weeks = new HashSet<>();
      for (LocalDate d : active) {
        weeks.add(week(d));
      }
      for (long w : weeks) {
        counts.merge(List.of(cohort, w - cohort), 1L, Long::sum);
      }
    }
    List<List<Object>> rows = new ArrayList<>();
    counts.forEach((k, n) -> rows.add(List.of(k.get(0), k.get(1), n)));
    return RetentionTrends.retentionTable(rows, today(), f);
  }

  private static long week(LocalDate d) {
    return Math.floorDiv(ChronoUnit.DAYS.between(MONDAY, d), 7);
  }

  /**
   * (installation, version or null, day, name): "" for each report, and each plugin and feature.
   */
  private List<Object[]> named(String product) {
    String sep = "chr(1)";
    String keyed =
        "(SELECT installation_id || "
            + sep
            + " || coalesce('v' || version, 'n') || "
            + sep
            + " || CAST(CAST(ts AS DATE) AS VARCHAR) AS installation_id, properties FROM events"
            + " WHERE product = ? AND type = 'report' AND installation_id IS NOT NULL)";
    String sql =
        "SELECT installation_id, '' FROM "
            + keyed
            + " k UNION ALL SELECT installation_id, 'plugin:' || value FROM "
            + dialect.arrayElements(keyed, ReportFields.ACTIVE_PLUGINS)
            + " p UNION ALL SELECT installation_id, 'feature:' || key FROM "
            + dialect.objectEntries(keyed, "features")
            + " f WHERE value IS NOT NULL AND value NOT IN ('0', '0.0', 'false', '')";
    List<Object[]> out = new ArrayList<>();
    for (List<Object> r :
        run(List.of("key", "name"), sql, List.of(product, product, product)).rows()) {
      String[] k = ((String) r.get(0)).split("\u0001", -1);
      out.add(
          new Object[] {
            k[0], k[1].equals("n") ? null : k[1].substring(1), LocalDate.parse(k[2]), r.get(1)
          });
    }
    return out;
  }

  Table featureTrend(Filter f) {
    // Per name and installation: first and last day its reports named it.
    Map<String, Map<String, LocalDate[]>> spans = new HashMap<>();
    for (Object[] n : named(f.product())) {
      if (f.version() == null || f.version().equals(n[1])) {
        LocalDate day = (LocalDate) n[2];
        LocalDate[] d =
            spans
                .computeIfAbsent((String) n[3], k -> new HashMap<>())
                .computeIfAbsent((String) n[0], k -> new LocalDate[] {day, day});
        d[0] = day.isBefore(d[0]) ? day : d[0];
        d[1] = day.isAfter(d[1]) ? day : d[1];
      }
    }
    List<Map.Entry<String, Long>> ranked = new ArrayList<>();
    spans.forEach(
        (name, byInstallation) -> {
          long n = byInstallation.values().stream().filter(d -> !d[1].isBefore(from(f))).count();
          if (!name.isEmpty() && n > 0 && n >= f.minInstallations()) {
            ranked.add(Map.entry(name, n));
          }
        });
    ranked.sort(
        Map.Entry.<String, Long>comparingByValue()
            .reversed()
            .thenComparing(Map.Entry.comparingByKey()));
    List<List<Object>> rows = new ArrayList<>();
    for (Map.Entry<String, Long> e : ranked.subList(0, Math.min(TrendReads.TOP, ranked.size()))) {
      for (LocalDate d = from(f); !d.isAfter(today()); d = d.plusDays(1)) {
        long n = covering(spans.get(e.getKey()), d);
        long reporting = covering(spans.get(""), d);
        String[] kindName = e.getKey().split(":", 2);
        rows.add(
            List.of(
                d.toString(),
                kindName[0],
                kindName[1],
                n,
                reporting == 0 ? 0.0 : FleetQueries.percent(n, reporting)));
      }
    }
    return new Table(List.of("day", "kind", "name", "installations", "percent"), rows);
  }

  private static long covering(Map<String, LocalDate[]> spans, LocalDate d) {
    return spans == null
        ? 0
        : spans.values().stream().filter(s -> !s[0].isAfter(d) && !s[1].isBefore(d)).count();
  }

  Table featureVersions(Filter f) {
    Map<List<String>, Set<String>> named = new HashMap<>();
    for (Object[] n : named(f.product())) {
      String version = (String) n[1];
      boolean wanted = f.version() == null ? version != null : f.version().equals(version);
      if (wanted && !((LocalDate) n[2]).isBefore(from(f))) {
        named
            .computeIfAbsent(List.of(version, (String) n[3]), k -> new HashSet<>())
            .add((String) n[0]);
      }
    }
    List<List<Object>> rows = new ArrayList<>();
    named.forEach(
        (k, inst) -> {
          if (!k.get(1).isEmpty() && inst.size() >= f.minInstallations()) {
            String[] kindName = k.get(1).split(":", 2);
            long reporting = named.get(List.of(k.get(0), "")).size();
            rows.add(
                List.of(
                    k.get(0),
                    kindName[0],
                    kindName[1],
                    (long) inst.size(),
                    FleetQueries.percent(inst.size(), reporting)));
          }
        });
    return new Table(List.of("version", "kind", "name", "installations", "percent"), rows);
  }

  /** The commands {@link RawFleetQueries#commands} shows ("" for runs without one). */
  private Set<String> shownCommands(Filter f) {
    Set<String> out = new LinkedHashSet<>();
    for (List<Object> r : raw.commands(f).rows()) {
      out.add(r.get(0) == null ? "" : (String) r.get(0));
    }
    return out;
  }

  Table commandTrend(Filter f) {
    Set<String> top = new HashSet<>();
    for (String c : shownCommands(f)) {
      if (top.size() < TrendReads.TOP) {
        top.add(c);
      }
    }
    return commandsBy(f, "day", "CAST(ts AS DATE)", top);
  }

  Table commandVersions(Filter f) {
    return commandsBy(f, "version", "version", shownCommands(f));
  }

  private Table commandsBy(Filter f, String by, String key, Set<String> commands) {
    String duration =
        dialect.number(
            dialect.jsonText(
                "properties", CommandFields.EVENT_DATA + "." + CommandFields.DURATION_MS));
    String sql =
        "SELECT k, command, count(*), avg(CASE WHEN exit_code = '0' THEN 1.0 ELSE 0.0 END), "
            + dialect.percentile("duration", 0.5)
            + ", "
            + dialect.percentile("duration", 0.95)
            + ", "
            + dialect.percentile("duration", 0.99)
            + " FROM (SELECT "
            + key
            + " AS k, "
            + dialect.jsonText("properties", CommandFields.COMMAND)
            + " AS command, "
            + dialect.jsonText(
                "properties", CommandFields.EVENT_DATA + "." + CommandFields.EXIT_CODE)
            + " AS exit_code, "
            + duration
            + " AS duration FROM events WHERE product = ? AND ts >= ? AND type = 'track'"
            + " AND event = '"
            + CommandFields.COMMAND_EXITED
            + "'"
            + (f.version() == null ? "" : " AND version = ?")
            + (by.equals("version") ? " AND version IS NOT NULL" : "")
            + ") runs GROUP BY 1, 2";
    List<Object> params = new ArrayList<>(List.of(f.product(), SqlReads.utc(dayStart(f))));
    if (f.version() != null) {
      params.add(f.version());
    }
    List<List<Object>> rows = new ArrayList<>();
    for (List<Object> r :
        run(List.of(by, "command", "runs", "r", "a", "b", "c"), sql, params).rows()) {
      if (commands.contains(r.get(1) == null ? "" : (String) r.get(1))) {
        rows.add(r);
      }
    }
    return new Table(
        List.of(by, "command", "runs", "success_rate", "p50_ms", "p95_ms", "p99_ms"), rows);
  }

  private static Instant dayStart(Filter f) {
    return from(f).atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  Table exitCodes(Filter f) {
    String sql =
        "SELECT command, exit_code, count(*) FROM (SELECT "
            + dialect.jsonText("properties", CommandFields.COMMAND)
            + " AS command, "
            + dialect.jsonText(
                "properties", CommandFields.EVENT_DATA + "." + CommandFields.EXIT_CODE)
            + " AS exit_code FROM events WHERE product = ? AND ts >= ? AND type = 'track'"
            + " AND event = '"
            + CommandFields.COMMAND_EXITED
            + "'"
            + (f.version() == null ? "" : " AND version = ?")
            + ") runs WHERE exit_code IS NOT NULL AND exit_code <> '0' GROUP BY 1, 2";
    List<Object> params = new ArrayList<>(List.of(f.product(), SqlReads.utc(dayStart(f))));
    if (f.version() != null) {
      params.add(f.version());
    }
    Set<String> shown = shownCommands(f);
    List<List<Object>> rows = new ArrayList<>();
    for (List<Object> r : run(List.of("command", "exit_code", "runs"), sql, params).rows()) {
      if (shown.contains(r.get(0) == null ? "" : (String) r.get(0))) {
        rows.add(r);
      }
    }
    return new Table(List.of("command", "exit_code", "runs"), rows);
  }

  Table healthUnits(Filter f) {
    String health =
        "(SELECT installation_id, ts, properties FROM events WHERE product = ? AND ts >= ?"
            + " AND type = 'track' AND event = 'health'"
            + (f.version() == null ? "" : " AND version = ?")
            + ")";
    String sql =
        "SELECT key, sum(n), count(*) FROM (SELECT CAST(ts AS DATE) AS day, key, sum("
            + dialect.number("value")
            + ") AS n FROM "
            + dialect.rootEntries(health)
            + " entries WHERE key LIKE 'health-unit-%-unhealthy' GROUP BY 1, 2) d WHERE n > 0"
            + " GROUP BY 1";
    List<Object> params = new ArrayList<>(List.of(f.product(), SqlReads.utc(dayStart(f))));
    if (f.version() != null) {
      params.add(f.version());
    }
    List<List<Object>> rows = new ArrayList<>();
    for (List<Object> r : run(List.of("unit", "unhealthy", "days"), sql, params).rows()) {
      rows.add(List.of(CommandTrends.unitName((String) r.get(0)), r.get(1), r.get(2)));
    }
    return new Table(List.of("unit", "unhealthy", "days"), rows);
  }

  private Table run(List<String> columns, String sql, List<Object> params) {
    return FleetQueries.run(connector, columns, sql, params);
  }
}
