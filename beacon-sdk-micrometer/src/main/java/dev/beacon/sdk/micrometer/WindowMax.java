package dev.beacon.sdk.micrometer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The largest value recorded since the last report was sent. Micrometer's own maximum decays over a
 * couple of minutes; a report covers days, so this one holds until the report takes it.
 */
final class WindowMax {
  private final AtomicLong bits = new AtomicLong(Double.doubleToLongBits(0.0));

  void record(double value) {
    long next = Double.doubleToLongBits(value);
    long current;
    do {
      current = bits.get();
      if (Double.longBitsToDouble(current) >= value) {
        return;
      }
    } while (!bits.compareAndSet(current, next));
  }

  /** The maximum; when {@code reset}, a new window starts at zero. */
  double read(boolean reset) {
    return Double.longBitsToDouble(
        reset ? bits.getAndSet(Double.doubleToLongBits(0.0)) : bits.get());
  }
}
