package dev.beacon.server.storage;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Command durations as counts in fixed logarithmic buckets (DDSketch's mapping): bucket {@code i}
 * holds the values in {@code (γ^(i-1), γ^i]} with {@code γ = (1 + α) / (1 - α)}, and stands for
 * {@code 2γ^i / (γ + 1)}, which is within a relative {@link #RELATIVE_ERROR α} of every value in
 * it. Buckets of any days, versions or servers merge by adding their counts, so a percentile over
 * any window comes from one sum per bucket. Zero (and anything below it, which ingest refuses) has
 * a bucket of its own that stands for 0.
 *
 * <p>A percentile is taken as {@code quantile_cont} takes it from the raw values (linear
 * interpolation between the two closest ranks), with each rank's value read from its bucket: both
 * ranks are within α of their true values, so the interpolation is too.
 */
final class DurationSketch {
  /** α: every percentile is within 1 % of the one computed from the raw durations. */
  static final double RELATIVE_ERROR = 0.01;

  static final String ZERO = "zero";
  private static final double GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
  private static final double LOG_GAMMA = Math.log(GAMMA);

  private DurationSketch() {}

  /** The bucket a duration (finite, in ms) falls in, as stored. */
  static String bucket(double ms) {
    if (!(ms > 0)) {
      return ZERO;
    }
    return Integer.toString((int) Math.ceil(Math.log(ms) / LOG_GAMMA));
  }

  /** The value a bucket stands for. */
  static double value(String bucket) {
    if (ZERO.equals(bucket)) {
      return 0;
    }
    return 2 * Math.pow(GAMMA, Integer.parseInt(bucket)) / (GAMMA + 1);
  }

  /** Buckets in value order: bucket as stored to count. */
  static NavigableMap<Double, Long> ordered(Map<String, Long> buckets) {
    TreeMap<Double, Long> out = new TreeMap<>();
    for (Map.Entry<String, Long> b : buckets.entrySet()) {
      if (b.getValue() > 0) {
        out.merge(value(b.getKey()), b.getValue(), Long::sum);
      }
    }
    return out;
  }

  /** The {@code p} (0..1) percentile of the counted durations, or null when there are none. */
  static Double quantile(NavigableMap<Double, Long> ordered, double p) {
    long n = 0;
    for (long c : ordered.values()) {
      n += c;
    }
    if (n == 0) {
      return null;
    }
    double pos = p * (n - 1);
    long lo = (long) Math.floor(pos);
    long hi = (long) Math.ceil(pos);
    double low = rank(ordered, lo);
    double high = hi == lo ? low : rank(ordered, hi);
    return low + (high - low) * (pos - lo);
  }

  /** The value at a 0-based rank. */
  private static double rank(NavigableMap<Double, Long> ordered, long rank) {
    long seen = 0;
    double last = 0;
    for (Map.Entry<Double, Long> b : ordered.entrySet()) {
      seen += b.getValue();
      last = b.getKey();
      if (rank < seen) {
        return last;
      }
    }
    return last;
  }
}
