package dev.beacon.sdk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one worker of a {@link Beacon}: takes tracked events from a bounded queue, builds reports on
 * schedule, writes every payload to the spool before sending it (so a crash loses nothing) and has
 * {@link Delivery} send the spool. In local mode payloads go to the log file instead. The caller's
 * thread only ever {@link #offer}s; everything else runs here.
 *
 * <p>A host's thread never serializes and never waits without a deadline: {@link #close} has the
 * last flush and delivery done by a thread of its own and waits for it until the close timeout, and
 * {@link #discardPending} waits for a flush in progress at most as long, then leaves the discarding
 * to that flush. (Serializing is bounded by the writer's budget, but a product's {@code toString}
 * may still block.)
 */
final class Pipeline implements Runnable {
  private final Settings settings;
  private final StateStore state;
  private final Consent consent;
  private final PayloadWriter writer;
  private final Outbox outbox;
  private final QuietLog log;
  private final EventQueue queue;
  private final AtomicInteger offeredSinceWake = new AtomicInteger();
  private final AtomicLong droppedSincePayload = new AtomicLong();
  private final AtomicLong droppedTotal = new AtomicLong();
  private final ReentrantLock flushLock = new ReentrantLock();
  private final AtomicBoolean discardRequested = new AtomicBoolean();

  /** How long the worker rests after a flush that took a whole queue's worth (see below). */
  static final long OVERLOAD_PAUSE_NANOS = 100_000_000L;

  private final Object lifecycle = new Object();
  private boolean started; // guarded by lifecycle
  private volatile Thread worker; // set under lifecycle
  private volatile boolean stopping; // set under lifecycle
  private volatile UUID installationId;
  private final ReportSchedule reports;
  private long nextFlushAtNanos; // the worker's alone

  Pipeline(
      Settings settings, StateStore state, Consent consent, PayloadWriter writer, QuietLog log) {
    this.settings = settings;
    this.state = state;
    this.consent = consent;
    this.writer = writer;
    this.log = log;
    this.queue = new EventQueue(settings.maxQueueSize);
    this.reports = new ReportSchedule(settings);
    this.outbox =
        new Outbox(
            settings, log, () -> consent.mode() == TelemetryMode.ON, droppedTotal::addAndGet);
  }

  /** Called on the host's thread: never blocks, never throws, never does I/O. */
  void offer(Event e) {
    if (!queue.offer(e)) {
      droppedSincePayload.incrementAndGet();
      droppedTotal.incrementAndGet();
    } else if (offeredSinceWake.incrementAndGet() == settings.maxBatchSize) {
      Thread w = worker;
      if (w != null) {
        LockSupport.unpark(w);
      }
    }
  }

  void countDrop() {
    droppedSincePayload.incrementAndGet();
    droppedTotal.incrementAndGet();
  }

  long droppedTotal() {
    return droppedTotal.get();
  }

  boolean workerStarted() {
    return worker != null;
  }

  int queued() {
    return queue.size();
  }

  Spool spool() {
    return outbox.spool();
  }

  Outbox outbox() {
    return outbox;
  }

  QuietLog log() {
    return log;
  }

  Path localLogFile() {
    return outbox.localLogFile();
  }

  /** Sends a spooled payload now (a report on request) and says what happened. */
  SendResult sendNow(Path file, Duration timeout) {
    return outbox.sendNow(file, timeout);
  }

  /** Whether events are taken: telemetry is not off, and the pipeline not closed. */
  boolean collecting() {
    return !stopping && consent.mode() != TelemetryMode.OFF;
  }

  /** When the next report is due, in wall-clock time: for diagnostics; 0 until scheduled. */
  long nextReportAtMillis() {
    return reports.dueAtEpochMillis();
  }

  /**
   * The host started telemetry (or a command began): the worker starts now, unless telemetry is
   * off, in which case it starts when telemetry is turned on ({@link #resume}). Idempotent.
   */
  void start() {
    synchronized (lifecycle) {
      started = true;
      if (consent.mode() != TelemetryMode.OFF) {
        startWorker();
      }
    }
  }

  /**
   * Telemetry was turned on or local at runtime: the worker starts if the host started telemetry,
   * and looks at the queue at once.
   *
   * @return false once closed
   */
  boolean resume() {
    synchronized (lifecycle) {
      if (stopping) {
        return false;
      }
      if (started) {
        startWorker();
        wake();
      }
      return true;
    }
  }

  /** Starts the worker unless it runs already; called under the lifecycle lock. */
  private void startWorker() {
    if (worker != null || stopping) {
      return;
    }
    Thread t = DaemonThreads.thread("beacon-" + settings.product + "-worker", this);
    worker = t;
    t.start();
  }

  void wake() {
    Thread w = worker;
    if (w != null) {
      LockSupport.unpark(w);
    }
  }

  @Override
  public void run() {
    try {
      long now = System.currentTimeMillis();
      reports.start(state.lastReportMillis(), System.nanoTime(), now);
      nextFlushAtNanos = System.nanoTime() + settings.flushInterval.toNanos();
      // Made here, beside the host's work, so that neither an event nor an exit pays for them
      // (a CLI's exit has 50 ms for its last flush): the writer with its redactor, time format and
      // SecureRandom (one throwaway message), the HTTP client, and the installation id if there is
      // one (read only: an untracked command writes nothing).
      writer.warmUp(now);
      outbox.prepare();
      if (installationId == null) {
        installationId = state.existingInstallationId();
      }
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
    if (!queue.isEmpty() && (flushDue || queue.size() >= settings.maxBatchSize)) {
      overloaded = flush(m) >= settings.maxQueueSize;
    }
    if (flushDue) {
      nextFlushAtNanos = now + settings.flushInterval.toNanos();
    }
    if (m == TelemetryMode.ON && outbox.due(now)) {
      outbox.deliver(settings.requestTimeout);
    }
    if (overloaded) {
      pauseUnderOverload();
      return;
    }
    now = System.nanoTime();
    long wait = Math.min(reports.nanosUntilDue(now), nextFlushAtNanos - now);
    if (m == TelemetryMode.ON && outbox.hasWork()) {
      wait = Math.min(wait, outbox.nextAttemptAtNanos() - now);
    }
    if (wait > 0 && !stopping && queue.size() < settings.maxBatchSize) {
      offeredSinceWake.set(0);
      LockSupport.parkNanos(this, wait);
    }
  }

  /**
   * The host emits faster than the worker can keep events: one flush took a whole queue's worth.
   * Rest for {@link #OVERLOAD_PAUSE_NANOS} whatever wakes us (the host's offers would, at once), so
   * that the worker takes at most one queue's worth per pause and its CPU stays bounded; what the
   * host emits meanwhile beyond the queue is dropped and counted, as the queue promises.
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
      emitReport(m, nowMillis);
    } catch (IOException e) {
      log.failure("report", "could not keep the report: " + e.getClass().getSimpleName());
    }
    reports.reported(nowNanos, nowMillis);
  }

  /** Builds a report and spools it (on) or logs it (local). Returns the spooled file, if any. */
  Path emitReport(TelemetryMode m, long now) throws IOException {
    UUID id = installationId();
    String message = writer.report(id, true, now);
    state.recordReport(now);
    if (message == null) {
      log.failure("report", "the report exceeds the message size even without its sections");
      return null;
    }
    return emit(m, List.of(message), now);
  }

  /**
   * Moves the queued events into payloads, at most one queue's worth (events offered while this
   * runs wait for the next flush); the number moved. Safe from any thread; waits for a flush in
   * progress, so it is for the worker and the close thread only, never a host's thread.
   */
  int flush(TelemetryMode m) {
    flushLock.lock();
    return flushAndUnlock(m);
  }

  /** {@link #flush}, unless another flush holds the lock past the deadline; whether it ran. */
  boolean flushBy(TelemetryMode m, long deadlineNanos) {
    try {
      long wait = Math.max(0, deadlineNanos - System.nanoTime());
      if (!flushLock.tryLock(wait, TimeUnit.NANOSECONDS)) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    flushAndUnlock(m);
    return true;
  }

  private int flushAndUnlock(TelemetryMode m) {
    try {
      return flushHolding(m);
    } finally {
      discardIfRequested();
      flushLock.unlock();
    }
  }

  private int flushHolding(TelemetryMode m) {
    List<Event> events = new ArrayList<>(settings.maxBatchSize);
    int moved = 0;
    while (moved < settings.maxQueueSize
        && !discardRequested.get()
        && queue.drainTo(events, Math.min(settings.maxBatchSize, settings.maxQueueSize - moved))
            > 0) {
      moved += events.size();
      try {
        UUID id = installationId();
        List<String> messages = new ArrayList<>(events.size());
        for (Event e : events) {
          // Null: too large, or a value that broke while read. That event alone is dropped.
          String message = writer.track(id, e);
          if (message == null) {
            countDrop();
            log.failure("event", "an event was dropped: its properties exceed the message size");
          } else {
            messages.add(message);
          }
        }
        if (!messages.isEmpty()) {
          emit(m, messages, System.currentTimeMillis());
        }
      } catch (Throwable t) {
        FatalErrors.rethrowIfFatal(t);
        droppedSincePayload.addAndGet(events.size());
        droppedTotal.addAndGet(events.size());
        log.failure("flush", "could not keep events: " + t.getClass().getSimpleName());
      }
      events.clear();
    }
    return moved;
  }

  private Path emit(TelemetryMode m, List<String> messages, long now) throws IOException {
    long dropped = droppedSincePayload.getAndSet(0) + outbox.takeEvicted();
    Path last = null;
    for (Batch b : writer.batches(messages, dropped, now)) {
      byte[] bytes = b.json.getBytes(StandardCharsets.UTF_8);
      if (m == TelemetryMode.LOCAL) {
        outbox.logLocally(bytes);
      } else {
        last = outbox.spool(bytes, b.messages);
      }
    }
    long evicted = outbox.takeEvicted();
    droppedSincePayload.addAndGet(evicted);
    droppedTotal.addAndGet(evicted);
    return last;
  }

  /**
   * Telemetry was turned off: forget what waits, in memory and in the spool. Waits at most the
   * close timeout for a flush in progress; if it lasts longer, that flush discards when it ends
   * (and writes no more meanwhile).
   */
  void discardPending() {
    discardRequested.set(true);
    try {
      if (flushLock.tryLock(settings.closeTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        try {
          discardIfRequested();
        } finally {
          flushLock.unlock();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Called with the flush lock held. */
  private void discardIfRequested() {
    if (discardRequested.getAndSet(false)) {
      queue.clear();
      try {
        outbox.discard();
      } catch (IOException e) {
        log.failure("spool", "could not clear the spool: " + e.getClass().getSimpleName());
      }
    }
  }

  /**
   * Stops the worker within the close timeout; what is not delivered by then stays spooled, and a
   * command-line product hands it to a {@link DetachedUploader}.
   */
  void close() {
    long deadline = System.nanoTime() + settings.closeTimeout.toNanos();
    close(deadline, deadline);
  }

  /**
   * As {@link #close()}, by deadlines the caller sets: {@code deadline} for delivery (a command's
   * exit has spent part of its close timeout already) and {@code spoolDeadline} for spooling what
   * is queued (the same but for a command's exit, see {@link CommandRun}).
   *
   * <p>The last flush and the last delivery attempt run on a thread of their own, which this waits
   * for until the deadlines, never longer: the host's thread neither serializes nor waits for a
   * worker stuck in a product's {@code toString}. The flush comes first, so what it spools in time
   * is there when the spool is handed to an uploader.
   */
  void close(long deadline, long spoolDeadline) {
    Thread w;
    synchronized (lifecycle) {
      if (stopping) {
        return;
      }
      stopping = true;
      w = worker;
    }
    TelemetryMode m = consent.mode();
    if (w != null) {
      LockSupport.unpark(w);
    }
    boolean deliver = m == TelemetryMode.ON && (w != null || settings.detachedUploader);
    if (m != TelemetryMode.OFF) {
      LastFlush finish =
          new LastFlush(this, m, deliver && !outbox.uploaderPaused(), deadline, spoolDeadline);
      // A class, not a lambda: a cold JVM spins a lambda's class in milliseconds of the 50.
      Thread last = DaemonThreads.thread("beacon-" + settings.product + "-close", finish);
      last.start();
      try {
        finish.spooled.await(Math.max(0, spoolDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      joinUntil(last, deadline);
    }
    if (deliver) {
      outbox.cancelInFlight();
    }
    if (w != null) {
      joinUntil(w, deadline);
    }
    if (m == TelemetryMode.ON) {
      outbox.handOverToUploader();
    }
    writer.shutdown();
  }

  private static void joinUntil(Thread t, long deadlineNanos) {
    try {
      long left = deadlineNanos - System.nanoTime();
      if (left > 0) {
        t.join(Math.max(1, left / 1_000_000));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The installation id, created on first use (telemetry is on or local when this is called). */
  UUID installationId() throws IOException {
    UUID id = installationId;
    if (id == null) {
      StateStore.InstallationId created = state.installationId();
      id = created.id;
      installationId = id;
      if (created.createdNow) {
        FirstRunNotice.show(settings, log);
      }
    }
    return id;
  }
}
