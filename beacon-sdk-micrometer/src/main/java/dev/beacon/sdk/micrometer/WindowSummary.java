package dev.beacon.sdk.micrometer;

import io.micrometer.core.instrument.AbstractDistributionSummary;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.TimeWindowMax;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A cumulative count and total amount, and the largest amount since the last report was sent. */
final class WindowSummary extends AbstractDistributionSummary {
  private final LongAdder count = new LongAdder();
  private final DoubleAdder total = new DoubleAdder();
  private final WindowMax windowMax = new WindowMax();
  private final TimeWindowMax decayingMax;

  WindowSummary(Id id, Clock clock, DistributionStatisticConfig histogram, double scale) {
    super(id, clock, histogram, scale, false);
    this.decayingMax = new TimeWindowMax(clock, histogram);
  }

  @Override
  protected void recordNonNegative(double amount) {
    count.increment();
    total.add(amount);
    windowMax.record(amount);
    decayingMax.record(amount);
  }

  @Override
  public long count() {
    return count.sum();
  }

  @Override
  public double totalAmount() {
    return total.sum();
  }

  @Override
  public double max() {
    return decayingMax.poll();
  }

  /** The largest amount since the last report; when {@code reset}, starts anew. */
  double windowMax(boolean reset) {
    return windowMax.read(reset);
  }
}
