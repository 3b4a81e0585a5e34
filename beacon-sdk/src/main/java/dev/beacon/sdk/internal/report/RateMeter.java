package dev.beacon.sdk.internal.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Turns the product's cumulative counters into rates per second over the time really elapsed since
 * the previous report (EMQX divides by the nominal seven days, which is wrong for every report but
 * the steady-state one). Elapsed time comes from {@link System#nanoTime()}, immune to wall-clock
 * jumps. A counter that went backwards was reset by a restart of its own: its rate is taken from
 * zero.
 */
final class RateMeter {
  private final Map<String, LongSupplier> counters;
  private final LongSupplier nanoClock;
  private final Object lock = new Object();
  private final Map<String, Long> baseline = new LinkedHashMap<>();
  private long baselineNanos;

  RateMeter(Map<String, LongSupplier> counters, LongSupplier nanoClock) {
    this.counters = counters;
    this.nanoClock = nanoClock;
    this.baselineNanos = nanoClock.getAsLong();
    for (Map.Entry<String, LongSupplier> c : counters.entrySet()) {
      baseline.put(c.getKey(), 0L); // counters start at zero with the product
    }
  }

  /** Rates since the last committed window; when {@code commit}, a new window starts now. */
  Window measure(boolean commit) {
    Map<String, Long> now = new LinkedHashMap<>();
    for (Map.Entry<String, LongSupplier> c : counters.entrySet()) {
      now.put(c.getKey(), c.getValue().getAsLong());
    }
    synchronized (lock) {
      long t = nanoClock.getAsLong();
      double seconds = Math.max(1e-3, (t - baselineNanos) / 1e9);
      Map<String, Object> perSecond = new LinkedHashMap<>();
      for (Map.Entry<String, Long> n : now.entrySet()) {
        long before = baseline.getOrDefault(n.getKey(), 0L);
        long delta = n.getValue() >= before ? n.getValue() - before : n.getValue();
        perSecond.put(n.getKey(), Math.round(delta / seconds * 1000) / 1000.0);
      }
      if (commit) {
        baseline.putAll(now);
        baselineNanos = t;
      }
      return new Window(perSecond, Math.round(seconds * 1000) / 1000.0);
    }
  }

  static final class Window {
    final Map<String, Object> perSecond;
    final double seconds;

    Window(Map<String, Object> perSecond, double seconds) {
      this.perSecond = perSecond;
      this.seconds = seconds;
    }
  }
}
