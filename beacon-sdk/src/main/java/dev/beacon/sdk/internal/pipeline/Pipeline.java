package dev.beacon.sdk.internal.pipeline;

import dev.beacon.sdk.SendResult;
import dev.beacon.sdk.TelemetryMode;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.consent.Consent;
import dev.beacon.sdk.internal.delivery.DetachedUploader;
import dev.beacon.sdk.internal.delivery.Outbox;
import dev.beacon.sdk.internal.log.QuietLog;
import dev.beacon.sdk.internal.report.Event;
import dev.beacon.sdk.internal.report.PayloadWriter;
import dev.beacon.sdk.internal.state.StateStore;
import dev.beacon.sdk.internal.thread.DaemonThreads;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What a {@code Beacon} does with its events and reports: the caller's thread only ever {@link
 * #offer}s to a bounded queue; the {@link Worker} reports on schedule, has the {@link Flusher} keep
 * the events as payloads (spooled before they are sent, so a crash loses nothing; in local mode
 * written to the log file instead) and the {@link Outbox} deliver them.
 *
 * <p>A host's thread never serializes and never waits without a deadline: {@link #close} has the
 * last flush and delivery done by a thread of its own and waits for it until the close timeout, and
 * {@link #discardPending} waits for a flush in progress at most as long, then leaves the discarding
 * to that flush. (Serializing is bounded by the writer's budget, but a product's {@code toString}
 * may still block.)
 */
public final class Pipeline {
  private final Settings settings;
  private final Consent consent;
  private final PayloadWriter writer;
  private final EventQueue queue;
  private final Drops drops = new Drops();
  private final Outbox outbox;
  private final Flusher flusher;
  private final Worker worker;
  private final Sender sender;
  private final QuietLog log;
  private final Object lifecycle = new Object();
  private boolean started; // guarded by lifecycle
  private volatile boolean stopping; // set under lifecycle

  public Pipeline(
      Settings settings, StateStore state, Consent consent, PayloadWriter writer, QuietLog log) {
    this.settings = settings;
    this.consent = consent;
    this.writer = writer;
    this.log = log;
    this.queue = new EventQueue(settings.maxQueueSize);
    this.outbox =
        new Outbox(settings, log, () -> consent.mode() == TelemetryMode.ON, drops::refusedByServer);
    this.flusher = new Flusher(settings, state, queue, writer, outbox, drops, log);
    this.sender = new Sender(settings, consent, outbox, log);
    this.worker = new Worker(settings, state, consent, queue, drops, flusher, outbox, sender, log);
  }

  /** Called on the host's thread: never blocks, never throws, never does I/O. */
  public void offer(Event e) {
    offered(queue.offer(e));
  }

  /**
   * A plain {@code track} event: its properties copied into the queue's slot, the event itself made
   * by the worker ({@link EventQueue#offer(String, Map, long)}), so that a call allocates nothing.
   * A full queue drops it before anything is copied: a host calling faster than the worker spools
   * pays for no copy it would throw away.
   */
  public void track(String name, Map<String, ?> properties) {
    if (queue.isFull()) {
      drops.queueFull();
      return;
    }
    offered(queue.offer(name, properties, System.currentTimeMillis()));
  }

  private void offered(boolean queued) {
    if (queued) {
      worker.offered();
    } else {
      drops.queueFull();
    }
  }

  /** An event the host's thread could not even capture (no name, a map mutated meanwhile). */
  public void countDrop() {
    drops.add(1);
  }

  public long droppedTotal() {
    return drops.total();
  }

  /** Whether events are taken: telemetry is not off, and the pipeline not closed. */
  public boolean collecting() {
    return !stopping && consent.mode() != TelemetryMode.OFF;
  }

  /**
   * The host started telemetry (or a command began): the worker starts now, unless telemetry is
   * off, in which case it starts when telemetry is turned on ({@link #resume}). Idempotent.
   */
  public void start() {
    synchronized (lifecycle) {
      started = true;
      if (!stopping && consent.mode() != TelemetryMode.OFF) {
        worker.start();
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
        worker.start();
        worker.wake();
      }
      return true;
    }
  }

  /** Builds a report and keeps it (a report sent on request); the spooled file when on. */
  Path emitReport(TelemetryMode m, long epochMillis) throws IOException {
    return flusher.emitReport(m, epochMillis);
  }

  /** Sends a spooled payload now (a report on request) and says what happened. */
  SendResult sendNow(Path file, Duration timeout) {
    return outbox.sendNow(file, timeout);
  }

  SendResult forget(UUID installation, Duration timeout) {
    return outbox.forget(installation, timeout);
  }

  /** The installation was erased on the server: its state goes, the next payload has a new id. */
  void forgetInstallation() throws IOException {
    flusher.forgetInstallation();
  }

  Path localLogFile() {
    return outbox.localLogFile();
  }

  /** Telemetry was turned off: what waits, in memory and in the spool, is forgotten. */
  void discardPending() {
    flusher.discardPending();
  }

  /**
   * Stops within the deadlines the caller sets: {@code deadline} for delivery (a command's exit has
   * spent part of its close timeout already) and {@code spoolDeadline} for spooling what is queued
   * (the same but for a command's exit, see {@code CommandRun}). What is not delivered by then
   * stays spooled, and a command-line product hands it to a {@link DetachedUploader} (at once,
   * without an attempt of its own, if the server has not answered this process yet: see {@link
   * #deliverAtExit}). Idempotent.
   *
   * <p>The last flush and the last delivery attempt run on a thread of their own, which this waits
   * for until the deadlines, never longer: the host's thread neither serializes nor waits for a
   * worker stuck in a product's {@code toString}. The flush comes first, so what it spools in time
   * is there when the spool is handed to an uploader.
   */
  public void close(long deadline, long spoolDeadline) {
    Thread w;
    Thread s;
    synchronized (lifecycle) {
      if (stopping) {
        return;
      }
      stopping = true;
      w = worker.stop();
      s = sender.stop();
    }
    TelemetryMode m = consent.mode();
    boolean deliver = m == TelemetryMode.ON && (w != null || settings.detachedUploader);
    if (m != TelemetryMode.OFF) {
      LastFlush finish =
          new LastFlush(
              flusher, outbox, log, m, deliver && deliverAtExit(), deadline, spoolDeadline);
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
    if (s != null) {
      joinUntil(s, deadline);
    }
    if (m == TelemetryMode.ON) {
      outbox.handOverToUploader();
    }
    writer.shutdown();
  }

  /**
   * Whether the last flush tries to deliver: not while an uploader's pause is in force, and for a
   * command-line product with an uploader only once the server answered this process (a cold HTTP
   * stack would spend the whole exit budget and leave the payload to the uploader anyway).
   */
  private boolean deliverAtExit() {
    return !outbox.uploaderPaused() && (!settings.detachedUploader || outbox.serverAnswered());
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

  // ---- for the SDK's own tests ----

  boolean workerStarted() {
    return worker.started();
  }

  int queued() {
    return queue.size();
  }

  Outbox outbox() {
    return outbox;
  }

  long nextReportAtMillis() {
    return worker.nextReportAtMillis();
  }
}
