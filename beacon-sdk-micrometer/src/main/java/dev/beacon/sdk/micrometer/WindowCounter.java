package dev.beacon.sdk.micrometer;

import io.micrometer.core.instrument.AbstractMeter;
import io.micrometer.core.instrument.Counter;
import java.util.concurrent.atomic.DoubleAdder;

/** A cumulative counter; the report turns its increase since the previous report into a rate. */
final class WindowCounter extends AbstractMeter implements Counter {
  private final DoubleAdder value = new DoubleAdder();

  WindowCounter(Id id) {
    super(id);
  }

  @Override
  public void increment(double amount) {
    if (amount > 0) {
      value.add(amount);
    }
  }

  @Override
  public double count() {
    return value.sum();
  }
}
