package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The spans of {@link RollupTable#DAYS} and the masks the queries ask them with. */
class RollupDaysTest {
  @Test
  void everyDayFallsInTheSpanThatStartsAtOrBeforeIt() {
    for (long day = -200; day <= 200; day++) {
      long start = RollupTable.spanStart(day);
      assertThat(day - start).isBetween(0L, (long) RollupTable.SPAN_DAYS - 1);
      assertThat(start % RollupTable.SPAN_DAYS).isZero();
    }
  }

  @Test
  void aRangeAsksExactlyItsDays() {
    LocalDate origin = LocalDate.of(2026, 9, 1);
    for (int a = 0; a < 140; a += 3) {
      for (int length = 0; length < 150; length += 7) {
        LocalDate from = origin.plusDays(a);
        LocalDate to = from.plusDays(length);
        List<Object> p = FleetTrends.daysBetween(from, to).params();
        TreeSet<LocalDate> asked = new TreeSet<>();
        for (int i = 0; i < p.size(); i += 2) {
          LocalDate span = (LocalDate) p.get(i);
          long mask = (Long) p.get(i + 1);
          assertThat(mask).as("a positive BIGINT").isNotNegative();
          for (int bit = 0; bit < 64; bit++) {
            if ((mask & (1L << bit)) != 0) {
              assertThat(bit).isLessThan(RollupTable.SPAN_DAYS);
              asked.add(span.plusDays(bit));
            }
          }
        }
        TreeSet<LocalDate> expected = new TreeSet<>(from.datesUntil(to).toList());
        assertThat(asked).as("%s to %s", from, to).isEqualTo(expected);
      }
    }
  }
}
