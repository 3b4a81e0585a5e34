package dev.beacon.server.storage;

import static dev.beacon.server.storage.RollupDelta.ACTIVE;
import static dev.beacon.server.storage.RollupDelta.INSTALLATION;

import dev.beacon.server.storage.FleetQueries.Filter;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Weekly cohorts from the rollups: the installations first seen in a week, and the share of them
 * active 1, 2, 4, 8 and 12 weeks later. Each installation's active weeks are read as a mask of its
 * day spans, one row or a few per installation.
 */
public final class RetentionTrends extends TrendReads {
  /** The week offsets of {@link #retention}'s columns. */
  static final int[] RETENTION_WEEKS = {1, 2, 4, 8, 12};

  RetentionTrends(SqlReads.Connector connector, FleetQueries fleet) {
    super(connector, fleet);
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
}
