package dev.beacon.server.storage;

import static dev.beacon.server.storage.RollupDelta.ACTIVE;
import static dev.beacon.server.storage.RollupDelta.INSTALLATION;
import static dev.beacon.server.storage.RollupDelta.SEEN_FIRST;
import static dev.beacon.server.storage.RollupDelta.SEEN_LAST;

import dev.beacon.server.storage.FleetQueries.Filter;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The dashboard's activity over time, from the rollups like {@link FleetQueries}: installations
 * active per day and in the 7 and 30 days ending it, and the window against the one before it. The
 * other questions over time have a class each: {@link ReleaseTrends}, {@link RetentionTrends},
 * {@link FeatureTrends}, {@link CommandTrends}.
 */
public final class FleetTrends extends TrendReads {
  FleetTrends(SqlReads.Connector connector, FleetQueries fleet) {
    super(connector, fleet);
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
}
