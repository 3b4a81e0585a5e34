package dev.beacon.sdk.internal.pipeline;

import dev.beacon.sdk.TelemetryMode;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.consent.Consent;
import dev.beacon.sdk.internal.delivery.Outbox;
import dev.beacon.sdk.internal.log.QuietLog;
import dev.beacon.sdk.internal.state.StateStore;
import dev.beacon.sdk.internal.thread.DaemonThreads;
import dev.beacon.sdk.internal.thread.FatalErrors;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker thread of a {@link Pipeline}: reports on schedule, flushes the queued events at the
 * flush interval (at once when a batch is full), wakes the {@link Sender} when the spool is due to
 * be sent, and otherwise parks until the earliest of those is due or the host's offers fill a
 * batch. It survives every failure but a fatal one ({@link FatalErrors}), never in a tight loop.
 */
final class Worker implements Runnable {
  /** How long the worker rests after a flush that took a whole queue's worth (see below). */
  static final long OVERLOAD_PAUSE_NANOS = 100_000_000L;

  private final Settings settings;
  private final StateStore state;
  private final Consent consent;
  private final EventQueue queue;
  private final Drops drops;
  private final Flusher flusher;
  private final Outbox outbox;
  private final Sender sender;
  private final QuietLog log;
  private final ReportSchedule reports;
  private final AtomicInteger offeredSinceWake = new AtomicInteger();

  /**
   * Events queued that make a flush due before its interval: a batch, or half the queue if that is
   * less (a batch larger than the queue would never fill it, and the queue would drop first).
   */
  private final int batchWaiting;

  private volatile Thread thread;
  private volatile boolean stopping;
  private long nextFlushAtNanos; // this thread's alone
  private long queueFullsAtLastFlush; // this thread's alone

  Worker(
      Settings settings,
      StateStore state,
      Consent consent,
      EventQueue queue,
      Drops drops,
      Flusher flusher,
      Outbox outbox,
      Sender sender,
      QuietLog log) {
    this.settings = settings;
    this.state = state;
    this.consent = consent;
    this.queue = queue;
    this.drops = drops;
    this.flusher = flusher;
    this.outbox = outbox;
    this.sender = sender;
    this.log = log;
    this.reports = new ReportSchedule(settings);
    this.batchWaiting = Math.max(1, Math.min(settings.maxBatchSize, settings.maxQueueSize / 2));
  }

  /** Starts the thread unless it runs already or was stopped; the caller serializes this. */
  void start() {
    if (thread != null || stopping) {
      return;
    }
    Thread t = DaemonThreads.thread("beacon-" + settings.product + "-worker", this);
    thread = t;
    t.start();
  }

  /** Asks the thread to stop, and wakes it; the thread, or null if it never started. */
  Thread stop() {
    stopping = true;
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
    return t;
  }

  boolean started() {
    return thread != null;
  }

  /** On the host's thread, after each event queued: wakes the worker once a batch is full. */
  void offered() {
    if (offeredSinceWake.incrementAndGet() == batchWaiting) {
      wake();
    }
  }

  void wake() {
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** When the next report is due, in wall-clock time: for diagnostics; 0 until scheduled. */
  long nextReportAtMillis() {
    return reports.dueAtEpochMillis();
  }

  @Override
  public void run() {
    try {
      long now = System.currentTimeMillis();
      reports.start(state.lastReportMillis(), System.nanoTime(), now);
      nextFlushAtNanos = System.nanoTime() + settings.flushInterval.toNanos();
      // Here, beside the host's work, so that neither an event nor an exit pays for it (a CLI's
      // exit has 50 ms for its last flush).
      flusher.prepare(now);
    } catch (Throwable t) {
      FatalErrors.rethrowIfFatal(t);
      log.failure("worker", "could not prepare: " + t.getClass().getName());
    }
    while (!stopping) {
      try {
        step();
      } catch (Throwable t) {
        FatalErrors.rethrowIfFatal(t);
        // Survive anything else and try again later, never in a tight loop.
        log.failure("worker", "a worker step failed: " + t.getClass().getName());
        LockSupport.parkNanos(this, 1_000_000_000L);
      }
    }
  }

  private void step() {
    TelemetryMode m = consent.mode();
    if (m == TelemetryMode.OFF) {
      LockSupport.parkNanos(this, Duration.ofMinutes(1).toNanos());
      return;
    }
    long now = System.nanoTime();
    if (reports.due(now)) {
      report(m, now);
    }
    boolean flushDue = now - nextFlushAtNanos >= 0;
    boolean overloaded = false;
    if (!queue.isEmpty() && (flushDue || queue.size() >= batchWaiting)) {
      // A whole queue taken, and more than half a queue refused since the last flush: the host
      // outruns the worker. A whole queue alone is no sign (a flush goes on taking what the host
      // adds meanwhile, and at 20,000 events a second a 2,048-event queue fills in 0.1 s, so a
      // worker that lost its core a moment finds it full): resting then would have the next
      // flush find a full queue again, and a host at that rate drop behind every pause.
      long fulls = drops.queueFulls();
      overloaded =
          flusher.flush(m) >= settings.maxQueueSize
              && fulls - queueFullsAtLastFlush > settings.maxQueueSize / 2;
      queueFullsAtLastFlush = fulls;
    }
    if (flushDue) {
      nextFlushAtNanos = now + settings.flushInterval.toNanos();
    }
    if (m == TelemetryMode.ON && outbox.due(now)) {
      // Sent on a thread of its own: the queue keeps going to the spool while a request waits.
      sender.wake();
    }
    if (overloaded) {
      pauseUnderOverload();
      return;
    }
    now = System.nanoTime();
    long wait = Math.min(reports.nanosUntilDue(now), nextFlushAtNanos - now);
    if (wait > 0 && !stopping && queue.size() < batchWaiting) {
      offeredSinceWake.set(0);
      LockSupport.parkNanos(this, wait);
    }
  }

  /**
   * The host emits faster than the worker can keep events: a flush took a whole queue's worth, and
   * the full queue refused more than half a queue's worth since the last one. Rest for {@link
   * #OVERLOAD_PAUSE_NANOS} whatever wakes us (the host's offers would, at once), so that the worker
   * takes at most one queue's worth per pause and its CPU stays bounded; what the host emits
   * meanwhile beyond the queue is dropped and counted, as the queue promises.
   */
  private void pauseUnderOverload() {
    long until = System.nanoTime() + OVERLOAD_PAUSE_NANOS;
    for (long left; !stopping && (left = until - System.nanoTime()) > 0; ) {
      LockSupport.parkNanos(this, left);
    }
  }

  private void report(TelemetryMode m, long nowNanos) {
    long nowMillis = System.currentTimeMillis(); // the report's timestamp, on the wire
    try {
      flusher.emitReport(m, nowMillis);
    } catch (IOException e) {
      log.failure("report", "could not keep the report: " + e.getClass().getSimpleName());
    }
    reports.reported(nowNanos, nowMillis);
  }
}
