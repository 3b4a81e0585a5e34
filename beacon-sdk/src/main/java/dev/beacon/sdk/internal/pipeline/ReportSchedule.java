package dev.beacon.sdk.internal.pipeline;

import dev.beacon.sdk.internal.config.Settings;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * When the next periodic report is due. A fresh installation's first report comes after the initial
 * delay (jittered up to +50 %, so that a fleet started together does not report together); after a
 * restart, one interval (jittered by ±5 %) after the last report, so that restarting a product does
 * not send more reports. Each later report comes one jittered interval after the previous one.
 *
 * <p>Deadlines are {@link System#nanoTime()} values: a wall clock set forward or back moves no
 * report. Only the last report's time is wall-clock time, since an earlier process wrote it to the
 * state directory and the wall clock is the only time processes share. Used by the worker alone.
 */
final class ReportSchedule {
  private final boolean periodic;
  private final long initialDelayMillis;
  private final long intervalMillis;
  private long dueAtNanos;

  /** The same deadline in wall-clock time, for diagnostics: 0 until scheduled. */
  private volatile long dueAtEpochMillis;

  ReportSchedule(Settings settings) {
    this.periodic = settings.periodicReports;
    this.initialDelayMillis = settings.initialDelay.toMillis();
    this.intervalMillis = settings.reportInterval.toMillis();
  }

  /**
   * Schedules the first report.
   *
   * @param lastReportEpochMillis when an earlier process last reported, 0 if never
   */
  void start(long lastReportEpochMillis, long nowNanos, long nowMillis) {
    long last = Math.min(lastReportEpochMillis, nowMillis); // a clock set back must not stall us
    double spread = 1 + ThreadLocalRandom.current().nextDouble(0.5);
    long first = (long) (initialDelayMillis * spread);
    long delay = last == 0 ? first : Math.max(first, last + jitteredInterval() - nowMillis);
    schedule(nowNanos, nowMillis, delay);
  }

  /** A report was made now: the next one is due one jittered interval later. */
  void reported(long nowNanos, long nowMillis) {
    schedule(nowNanos, nowMillis, jitteredInterval());
  }

  boolean due(long nowNanos) {
    return periodic && nowNanos - dueAtNanos >= 0;
  }

  /** Nanoseconds until the next report is due; {@link Long#MAX_VALUE} when none will be. */
  long nanosUntilDue(long nowNanos) {
    return periodic ? dueAtNanos - nowNanos : Long.MAX_VALUE;
  }

  long dueAtEpochMillis() {
    return dueAtEpochMillis;
  }

  private void schedule(long nowNanos, long nowMillis, long delayMillis) {
    if (!periodic) {
      dueAtEpochMillis = Long.MAX_VALUE;
      return;
    }
    dueAtNanos = nowNanos + TimeUnit.MILLISECONDS.toNanos(delayMillis);
    dueAtEpochMillis = nowMillis + delayMillis;
  }

  private long jitteredInterval() {
    return intervalMillis
        + (long) (intervalMillis * ThreadLocalRandom.current().nextDouble(-0.05, 0.05));
  }
}
