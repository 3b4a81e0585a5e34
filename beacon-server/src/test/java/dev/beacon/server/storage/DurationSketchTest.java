package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The duration sketch's documented error: every percentile within 1 % of the exact one. */
class DurationSketchTest {
  @Test
  void everyValueIsWithinOnePercentOfWhatItsBucketStandsFor() {
    Random r = new Random(3);
    for (int i = 0; i < 100_000; i++) {
      double ms = Math.exp(r.nextDouble() * 40 - 10); // 4.5e-5 ms to 1.2e13 ms
      double v = DurationSketch.value(DurationSketch.bucket(ms));
      assertThat(v).isCloseTo(ms, Offset.offset(ms * DurationSketch.RELATIVE_ERROR));
    }
    assertThat(DurationSketch.value(DurationSketch.bucket(0))).isZero();
  }

  @Test
  void percentilesOfMergedBucketsAreWithinOnePercentOfTheExactOnes() {
    Random r = new Random(5);
    for (int round = 0; round < 50; round++) {
      int n = 1 + r.nextInt(5000);
      double[] values = new double[n];
      Map<String, Long> a = new HashMap<>();
      Map<String, Long> b = new HashMap<>();
      for (int i = 0; i < n; i++) {
        values[i] = r.nextInt(20) == 0 ? 0 : Math.exp(7 + r.nextGaussian() * 2);
        // Two halves counted apart (two days, two servers), merged by adding.
        (i % 2 == 0 ? a : b).merge(DurationSketch.bucket(values[i]), 1L, Long::sum);
      }
      b.forEach((k, c) -> a.merge(k, c, Long::sum));
      Arrays.sort(values);
      for (double p : new double[] {0, 0.5, 0.95, 0.99, 1}) {
        double exact = FleetQueriesContract.percentile(values, p);
        assertThat(DurationSketch.quantile(DurationSketch.ordered(a), p))
            .as("p%s of %d values", p, n)
            .isCloseTo(exact, Offset.offset(exact * DurationSketch.RELATIVE_ERROR + 1e-12));
      }
    }
    assertThat(DurationSketch.quantile(DurationSketch.ordered(Map.of()), 0.5)).isNull();
  }
}
