package dev.beacon.sdk.micrometer;

import io.micrometer.core.instrument.AbstractTimer;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.TimeWindowMax;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.util.TimeUtils;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A cumulative count and total time, and the longest time since the last report was sent (beside
 * Micrometer's decaying maximum, which the application reads through its composite registry).
 */
final class WindowTimer extends AbstractTimer {
  private final LongAdder count = new LongAdder();
  private final LongAdder totalNanos = new LongAdder();
  private final WindowMax windowMaxNanos = new WindowMax();
  private final TimeWindowMax decayingMax;

  WindowTimer(
      Id id,
      Clock clock,
      DistributionStatisticConfig histogram,
      PauseDetector pauseDetector,
      TimeUnit baseTimeUnit) {
    super(id, clock, histogram, pauseDetector, baseTimeUnit, false);
    this.decayingMax = new TimeWindowMax(clock, histogram);
  }

  @Override
  protected void recordNonNegative(long amount, TimeUnit unit) {
    long nanos = unit.toNanos(amount);
    count.increment();
    totalNanos.add(nanos);
    windowMaxNanos.record((double) nanos);
    decayingMax.record((double) nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public long count() {
    return count.sum();
  }

  @Override
  public double totalTime(TimeUnit unit) {
    return TimeUtils.nanosToUnit((double) totalNanos.sum(), unit);
  }

  @Override
  public double max(TimeUnit unit) {
    return decayingMax.poll(unit); // as every Micrometer timer's: what the application may read
  }

  /** The longest time in milliseconds since the last report; when {@code reset}, starts anew. */
  double windowMaxMillis(boolean reset) {
    return windowMaxNanos.read(reset) / 1e6;
  }
}
