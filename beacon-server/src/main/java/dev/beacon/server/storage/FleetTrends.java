package dev.beacon.server.storage;

import static dev.beacon.server.storage.RollupDelta.ACTIVE;
import static dev.beacon.server.storage.RollupDelta.COMMAND;
import static dev.beacon.server.storage.RollupDelta.DURATION;
import static dev.beacon.server.storage.RollupDelta.FEATURE;
import static dev.beacon.server.storage.RollupDelta.HEALTH;
import static dev.beacon.server.storage.RollupDelta.INSTALLATION;
import static dev.beacon.server.storage.RollupDelta.MEMBERS;
import static dev.beacon.server.storage.RollupDelta.REPORTING;
import static dev.beacon.server.storage.RollupDelta.SEEN_FIRST;
import static dev.beacon.server.storage.RollupDelta.SEEN_LAST;

import dev.beacon.server.storage.FleetQueries.Filter;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The dashboard's questions over time, from the rollups like {@link FleetQueries}: activity and
 * growth, how releases spread, weekly cohorts, feature adoption over time and by version, CLI
 * commands per day and per version, and the units reported unhealthy. Most cost what the days and
 * names of their window cost (distinct installations are sums of the seen rows counted by day);
 * activity, retention and upgrade paths read a row or a few per installation. Most are summed in
 * SQL to a row per day.
 */
public final class FleetTrends {
  /** The week offsets of {@link #retention}'s columns. */
  static final int[] RETENTION_WEEKS = {1, 2, 4, 8, 12};

  /** What {@link #commandTrend} and {@link #featureTrend} draw at most. */
  static final int TOP = 8;

  /** Shares {@link #releases} tells how many days a version took to reach. */
  static final int[] RELEASE_SHARES = {10, 50, 90};

  private final SqlReads.Connector connector;
  private final FleetQueries fleet;

  FleetTrends(SqlReads.Connector connector, FleetQueries fleet) {
    this.connector = connector;
    this.fleet = fleet;
  }

  /**
   * Per day of the window: the installations active that day, in the 7 days and in the 30 days that
   * end that day. Each installation's active days of a chunk of the window and the 29 before it (63
   * days at most) come from its {@link RollupTable#DAYS} rows, the two spans they fall in, as one
   * row of two masks; the days are tested here, so the database reads and groups one or two rows an
   * installation, not one a day. A long window is asked chunk by chunk.
   */
  public Table activity(Filter f) {
    LocalDate from = FleetQueries.firstDay(f.since());
    LocalDate today = FleetQueries.today();
    List<List<Object>> rows = new ArrayList<>();
    for (LocalDate start = from; !start.isAfter(today); start = start.plusDays(CHUNK_DAYS)) {
      LocalDate end = start.plusDays(CHUNK_DAYS - 1L);
      end = end.isAfter(today) ? today : end;
      int days = (int) ChronoUnit.DAYS.between(start, end) + 1;
      long base = start.toEpochDay() - 29;
      long[][] counts = activeCounts(f, base, days);
      for (int i = 0; i < days; i++) {
        rows.add(List.of(start.plusDays(i).toString(), counts[0][i], counts[1][i], counts[2][i]));
      }
    }
    return new Table(List.of("day", "active_1d", "active_7d", "active_30d"), rows);
  }

  /**
   * For each of {@code days} days from {@code base + 29} (epoch days): the installations active
   * that day, in the 7 and in the 30 days ending it; {@code days + 29 <= 63}.
   */
  private long[][] activeCounts(Filter f, long base, int days) {
    long first = RollupTable.spanStart(base);
    long second = first + RollupTable.SPAN_DAYS;
    int offset = (int) (base - first); // 0..61: the window's day 0 in the first span
    String sql =
        "SELECT bit_or(CASE WHEN span = ? THEN days ELSE 0 END),"
            + " bit_or(CASE WHEN span = ? THEN days ELSE 0 END) FROM rollup_days"
            + " WHERE product = ? AND family = ? AND scope = ? AND span IN (?, ?) GROUP BY member";
    LocalDate a = LocalDate.ofEpochDay(first);
    LocalDate b = LocalDate.ofEpochDay(second);
    List<Object> params = List.of(a, b, f.product(), ACTIVE, FleetQueries.scope(f), a, b);
    long[][] counts = new long[3][days];
    FleetQueries.forEachRow(
        connector,
        sql,
        params,
        rs -> {
          // Bit i: active on day base + i; the second span starts SPAN_DAYS - offset days in.
          long mask =
              (rs.getLong(1) >>> offset) | (rs.getLong(2) << (RollupTable.SPAN_DAYS - offset));
          for (int i = 0; i < days; i++) {
            long window = mask >>> i; // bit 29: the day itself, bits 0..29: its 30 days
            counts[0][i] += (window >>> 29) & 1;
            counts[1][i] += (window & (127L << 23)) != 0 ? 1 : 0;
            counts[2][i] += (window & ((1L << 30) - 1)) != 0 ? 1 : 0;
          }
        });
    return counts;
  }

  /** A part of a WHERE clause and its parameters. */
  record Condition(String sql, List<Object> params) {}

  /**
   * Rows of {@link RollupTable#DAYS} with a day from {@code from} to before {@code to}: each span
   * that overlaps them, and a mask of those days in it.
   */
  static Condition daysBetween(LocalDate from, LocalDate to) {
    StringBuilder sql = new StringBuilder();
    List<Object> params = new ArrayList<>();
    long lo = from.toEpochDay();
    long hi = to.toEpochDay();
    for (long span = RollupTable.spanStart(lo); span < hi; span += RollupTable.SPAN_DAYS) {
      long first = Math.max(lo, span) - span;
      long end = Math.min(hi, span + RollupTable.SPAN_DAYS) - span;
      sql.append(sql.length() == 0 ? "" : " OR ").append("(span = ? AND (days & ?) <> 0)");
      params.add(LocalDate.ofEpochDay(span));
      params.add(RollupTable.spanBits(first, end));
    }
    return new Condition(sql.length() == 0 ? "1 = 0" : sql.toString(), params);
  }

  /** Days of {@link #activity} asked at once: with the 29 before them, 63 bits of a BIGINT. */
  static final int CHUNK_DAYS = 34;

  /**
   * The window against the one before it (as long, just before): installations active in it, seen
   * for the first time, and lost (seen for the last time, at least 7 days ago), with the change in
   * percent (null when the previous window had none).
   */
  public Table growth(Filter f) {
    LocalDate from = FleetQueries.firstDay(f.since());
    LocalDate today = FleetQueries.today();
    long days = ChronoUnit.DAYS.between(from, today) + 1;
    LocalDate before = from.minusDays(days);
    LocalDate lastLost = today.minusDays(7);
    String scope = FleetQueries.scope(f);
    // Active in the previous window: a day of it in the installation's spans.
    Condition activeBetween = daysBetween(before, from);
    // The rest from the installations counted by first and last day: a sum of days each.
    String sums =
        "SELECT "
            + FleetQueries.sumWhen(SEEN_LAST, "day >= ?")
            + " AS active, "
            + FleetQueries.sumWhen(SEEN_FIRST, "day >= ?")
            + " AS new, "
            + FleetQueries.sumWhen(SEEN_FIRST, "day >= ? AND day < ?")
            + " AS new_before, "
            + FleetQueries.sumWhen(SEEN_LAST, "day >= ? AND day <= ?")
            + " AS lost, "
            + FleetQueries.sumWhen(SEEN_LAST, "day >= ? AND day < ? AND day <= ?")
            + " AS lost_before FROM rollup_counts WHERE product = ? AND family IN (?, ?)"
            + " AND scope = ? AND name = '' AND sub = ?";
    List<Object> params = new ArrayList<>(List.of(f.product(), ACTIVE, scope));
    params.addAll(activeBetween.params());
    params.addAll(
        List.of(
            from,
            from,
            before,
            from,
            from,
            lastLost,
            before,
            from,
            lastLost,
            f.product(),
            SEEN_FIRST,
            SEEN_LAST,
            scope,
            INSTALLATION));
    Table t =
        run(
            List.of("active", "active_before", "new", "new_before", "lost", "lost_before"),
            "SELECT s.active, (SELECT count(DISTINCT member) FROM rollup_days"
                + " WHERE product = ? AND family = ? AND scope = ? AND ("
                + activeBetween.sql()
                + ")), s.new, s.new_before, s.lost, s.lost_before FROM ("
                + sums
                + ") s",
            params);
    List<Object> r = t.rows().get(0);
    List<List<Object>> rows = new ArrayList<>();
    String[] names = {"active", "new", "lost"};
    for (int i = 0; i < names.length; i++) {
      long now = number(r.get(2 * i));
      long then = number(r.get(2 * i + 1));
      rows.add(
          Arrays.asList(
              names[i], now, then, then == 0 ? null : FleetQueries.percent(now - then, then)));
    }
    return new Table(List.of("figure", "window", "previous_window", "change_percent"), rows);
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

  /**
   * Weekly cohorts (weeks start on Monday, UTC) of the installations first seen in the window: the
   * cohort's size, and the share (%) of it active in the week 1, 2, 4, 8 and 12 weeks after its
   * first (null: that week has not begun).
   */
  public Table retention(Filter f) {
    LocalDate from = FleetQueries.firstDay(f.since());
    LocalDate monday = from.minusDays(from.getDayOfWeek().getValue() - 1L);
    int weeks = (int) (ChronoUnit.DAYS.between(monday, FleetQueries.today()) / 7) + 1;
    if (weeks > 62) {
      return retentionJoined(f, from);
    }
    // Each installation first seen in the window, its first day and its active days since that
    // Monday (the spans of rollup_days, one mask each): one row an installation. Its active weeks
    // (bits of one long, week 0 the window's first) and the cohorts' counts are made here.
    long mondayDay = monday.toEpochDay();
    long firstSpan = RollupTable.spanStart(mondayDay);
    int spans = (int) ((FleetQueries.today().toEpochDay() - firstSpan) / RollupTable.SPAN_DAYS) + 1;
    StringBuilder sql = new StringBuilder("SELECT min(s.first_day)");
    StringBuilder in = new StringBuilder();
    List<Object> params = new ArrayList<>();
    for (int j = 0; j < spans; j++) {
      sql.append(", bit_or(CASE WHEN d.span = ? THEN d.days ELSE 0 END)");
      in.append(j == 0 ? "?" : ", ?");
      params.add(LocalDate.ofEpochDay(firstSpan + (long) j * RollupTable.SPAN_DAYS));
    }
    sql.append(
            " FROM rollup_seen s JOIN rollup_days d ON d.product = s.product AND d.family = ?"
                + " AND d.scope = s.scope AND d.member = s.member AND d.span IN (")
        .append(in)
        .append(
            ") WHERE s.product = ? AND s.family = ? AND s.name = '' AND s.scope = ?"
                + " AND s.first_day >= ? GROUP BY s.member");
    List<Object> all = new ArrayList<>(params);
    all.add(ACTIVE);
    all.addAll(params);
    all.addAll(List.of(f.product(), INSTALLATION, FleetQueries.scope(f), from));
    long[][] counts = new long[weeks][RETENTION_WEEKS.length + 1];
    FleetQueries.forEachRow(
        connector,
        sql.toString(),
        all,
        rs -> {
          int cohort = (int) ((rs.getObject(1, LocalDate.class).toEpochDay() - mondayDay) / 7);
          if (cohort >= weeks) {
            return; // first seen after today: an event dated ahead
          }
          long active = 0; // bit w: active in week w
          for (int j = 0; j < spans; j++) {
            long start = firstSpan + (long) j * RollupTable.SPAN_DAYS;
            active |= weekBits(rs.getLong(j + 2), start, mondayDay, weeks);
          }
          for (int k = 0; k <= RETENTION_WEEKS.length; k++) {
            int w = cohort + (k == 0 ? 0 : RETENTION_WEEKS[k - 1]);
            if (w < weeks && (active & (1L << w)) != 0) {
              counts[cohort][k]++;
            }
          }
        });
    long first = ChronoUnit.DAYS.between(LocalDate.of(1970, 1, 5), monday) / 7;
    List<List<Object>> rows = new ArrayList<>();
    for (int cohort = 0; cohort < weeks; cohort++) {
      for (int k = 0; k <= RETENTION_WEEKS.length; k++) {
        if (counts[cohort][k] > 0) {
          long offset = k == 0 ? 0 : RETENTION_WEEKS[k - 1];
          rows.add(List.of(first + cohort, offset, counts[cohort][k]));
        }
      }
    }
    return retentionTable(rows, FleetQueries.today(), f);
  }

  /**
   * The weeks (bit w: week w from {@code monday}, before {@code weeks}) with a day of a {@link
   * RollupTable#DAYS} span's mask; days before that Monday count in none.
   */
  private static long weekBits(long days, long spanStart, long monday, int weeks) {
    long bits = 0;
    for (long m = days; m != 0; m &= m - 1) {
      long day = spanStart + Long.numberOfTrailingZeros(m);
      long week = (day - monday) / 7;
      if (day >= monday && week < weeks) {
        bits |= 1L << week;
      }
    }
    return bits;
  }

  /** {@link #retention} of a window of more than 62 weeks: every active day joined. */
  private Table retentionJoined(Filter f, LocalDate from) {
    String week =
        "CAST("
            + fleet.dialect().wholeWeeks("CAST(%s - DATE '1970-01-05' AS INTEGER)")
            + " AS BIGINT)";
    String sql =
        "SELECT cohort, week - cohort, count(DISTINCT member) FROM (SELECT s.member, "
            + String.format(week, "s.first_day")
            + " AS cohort, "
            + String.format(week, "m.day")
            + " AS week FROM rollup_seen s JOIN rollup_members m ON m.product = s.product"
            + " AND m.scope = s.scope AND m.member = s.member AND m.family = ? AND m.day >= ?"
            + " WHERE s.product = ? AND s.family = ? AND s.name = '' AND s.scope = ?"
            + " AND s.first_day >= ?) weeks GROUP BY 1, 2";
    Table t =
        run(
            List.of("cohort", "offset", "installations"),
            sql,
            ACTIVE,
            from,
            f.product(),
            INSTALLATION,
            FleetQueries.scope(f),
            from);
    return retentionTable(t.rows(), FleetQueries.today(), f);
  }

  /**
   * {@link #retention}'s table from (cohort week, week offset, installations) rows, weeks counted
   * from Monday 1970-01-05 (the tests' reference makes them alike).
   */
  static Table retentionTable(List<List<Object>> counts, LocalDate today, Filter f) {
    LocalDate monday = LocalDate.of(1970, 1, 5);
    long thisWeek = Math.floorDiv(ChronoUnit.DAYS.between(monday, today), 7);
    TreeMap<Long, Map<Long, Long>> cohorts = new TreeMap<>();
    for (List<Object> r : counts) {
      cohorts
          .computeIfAbsent(number(r.get(0)), k -> new HashMap<>())
          .put(number(r.get(1)), number(r.get(2)));
    }
    List<String> columns = new ArrayList<>(List.of("cohort_week", "installations"));
    for (int w : RETENTION_WEEKS) {
      columns.add("week_" + w);
    }
    List<List<Object>> rows = new ArrayList<>();
    for (Map.Entry<Long, Map<Long, Long>> c : cohorts.entrySet()) {
      long size = c.getValue().getOrDefault(0L, 0L);
      if (size == 0) {
        continue;
      }
      List<Object> row = new ArrayList<>();
      row.add(monday.plusWeeks(c.getKey()).toString());
      row.add(size);
      for (int w : RETENTION_WEEKS) {
        row.add(
            c.getKey() + w > thisWeek
                ? null
                : FleetQueries.percent(c.getValue().getOrDefault((long) w, 0L), size));
      }
      rows.add(row);
    }
    return FleetQueries.withMinimum(new Table(columns, rows), 1, f);
  }

  /**
   * Per day, for the {@value #TOP} plugins and features most installations named in the window: the
   * installations whose reports named it by that day and still did after it, and their share (%) of
   * the installations reporting across that day (first to last report).
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

  /**
   * Per day, for the {@value #TOP} commands run most in the window: runs, success rate, and
   * duration percentiles (ms).
   */
  public Table commandTrend(Filter f) {
    return commandFigures(f, "day", shownCommands(f), TOP);
  }

  /** Per version and command: runs, success rate, and duration percentiles (ms). */
  public Table commandVersions(Filter f) {
    return commandFigures(f, "version", shownCommands(f), Integer.MAX_VALUE);
  }

  /**
   * The commands {@link FleetQueries#commands} shows, most run first ("" for runs without one);
   * null when it shows every command run (no minimum of installations), which needs no read of its
   * own.
   */
  private Set<String> shownCommands(Filter f) {
    if (f.minInstallations() <= 1) {
      return null;
    }
    Set<String> shown = new LinkedHashSet<>();
    for (List<Object> r : fleet.commands(f).rows()) {
      shown.add(r.get(0) == null ? "" : (String) r.get(0));
    }
    return shown;
  }

  private Table commandFigures(Filter f, String by, Set<String> shown, int most) {
    String key = by.equals("day") ? "day" : "substr(scope, 2)";
    List<Object> params =
        new ArrayList<>(List.of(f.product(), COMMAND, DURATION, FleetQueries.firstDay(f.since())));
    if (f.version() != null) {
      params.add(FleetQueries.scope(f));
    }
    Table sums =
        run(
            List.of(by, "family", "name", "sub", "n"),
            "SELECT "
                + key
                + ", family, name, sub, sum(n) FROM rollup_counts WHERE product = ?"
                + " AND family IN (?, ?) AND day >= ?"
                + (f.version() == null ? "" : " AND scope = ?")
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
    List<Object> params =
        new ArrayList<>(List.of(f.product(), COMMAND, FleetQueries.firstDay(f.since())));
    if (f.version() != null) {
      params.add(FleetQueries.scope(f));
    }
    Set<String> shown = shownCommands(f);
    List<List<Object>> rows = new ArrayList<>();
    for (List<Object> r :
        run(
                List.of("command", "sub", "runs"),
                "SELECT name, sub, CAST(sum(n) AS BIGINT) FROM rollup_counts WHERE product = ?"
                    + " AND family = ? AND day >= ? AND sub LIKE 'exit:%' AND sub <> 'exit:0'"
                    + (f.version() == null ? "" : " AND scope = ?")
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
    List<Object> params =
        new ArrayList<>(List.of(f.product(), HEALTH, FleetQueries.firstDay(f.since())));
    if (f.version() != null) {
      params.add(FleetQueries.scope(f));
    }
    Table t =
        run(
            List.of("unit", "unhealthy", "days"),
            "SELECT name, sum(n), count(*) FROM (SELECT day, name, sum(n) AS n FROM rollup_counts"
                + " WHERE product = ? AND family = ? AND day >= ?"
                + (f.version() == null ? "" : " AND scope = ?")
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

  private static long number(Object o) {
    return o == null ? 0 : Math.round(((Number) o).doubleValue());
  }

  private Table run(List<String> columns, String sql, Object... params) {
    return run(columns, sql, List.of(params));
  }

  private Table run(List<String> columns, String sql, List<Object> params) {
    return FleetQueries.run(connector, columns, sql, params);
  }
}
