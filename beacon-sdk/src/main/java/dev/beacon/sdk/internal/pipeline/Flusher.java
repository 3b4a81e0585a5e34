package dev.beacon.sdk.internal.pipeline;

import dev.beacon.sdk.TelemetryMode;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.consent.FirstRunNotice;
import dev.beacon.sdk.internal.delivery.Outbox;
import dev.beacon.sdk.internal.log.QuietLog;
import dev.beacon.sdk.internal.report.Batch;
import dev.beacon.sdk.internal.report.Event;
import dev.beacon.sdk.internal.report.PayloadWriter;
import dev.beacon.sdk.internal.state.StateStore;
import dev.beacon.sdk.internal.thread.FatalErrors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Turns what the pipeline has into kept payloads: the queued events (a flush) and reports, written
 * by the {@link PayloadWriter} and handed to the {@link Outbox} (the spool when on, the local log
 * when local), before anything is sent, so a crash loses nothing.
 *
 * <p>One flush at a time, under the flush lock: the worker's, the close thread's, and the discard
 * of a runtime "off". A host's thread never takes it without a deadline: {@link #discardPending}
 * waits at most the close timeout and otherwise leaves the discarding to the flush in progress.
 */
final class Flusher {
  private final Settings settings;
  private final StateStore state;
  private final EventQueue queue;
  private final PayloadWriter writer;
  private final Outbox outbox;
  private final Drops drops;
  private final QuietLog log;
  private final ReentrantLock flushLock = new ReentrantLock();
  private final AtomicBoolean discardRequested = new AtomicBoolean();
  private volatile UUID installationId;

  Flusher(
      Settings settings,
      StateStore state,
      EventQueue queue,
      PayloadWriter writer,
      Outbox outbox,
      Drops drops,
      QuietLog log) {
    this.settings = settings;
    this.state = state;
    this.queue = queue;
    this.writer = writer;
    this.outbox = outbox;
    this.drops = drops;
    this.log = log;
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

  /** Builds a report and keeps it; the spooled file when on, else null. */
  Path emitReport(TelemetryMode m, long epochMillis) throws IOException {
    UUID id = installationId();
    String message = writer.report(id, true, epochMillis);
    state.recordReport(epochMillis);
    if (message == null) {
      log.failure("report", "the report exceeds the message size even without its sections");
      return null;
    }
    return emit(m, List.of(message), epochMillis);
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

  /**
   * Makes ready what the first flush needs: the writer with its redactor and time format (one
   * throwaway message), the HTTP exporter, and the installation id if there is one (read only: an
   * untracked command writes nothing).
   */
  void prepare(long epochMillis) {
    writer.warmUp(epochMillis);
    outbox.prepare();
    if (installationId == null) {
      installationId = state.existingInstallationId();
    }
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
            drops.add(1);
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
        drops.add(events.size());
        log.failure("flush", "could not keep events: " + t.getClass().getSimpleName());
      }
      events.clear();
    }
    return moved;
  }

  private Path emit(TelemetryMode m, List<String> messages, long epochMillis) throws IOException {
    long dropped = drops.takeSincePayload() + outbox.takeEvicted();
    drops.evictedReported(outbox.takeEvictedMessages());
    Path last = null;
    for (Batch b : writer.batches(messages, dropped, epochMillis)) {
      byte[] bytes = b.json.getBytes(StandardCharsets.UTF_8);
      if (m == TelemetryMode.LOCAL) {
        outbox.logLocally(bytes);
      } else {
        last = outbox.spool(bytes, b.messages, b.droppedEvents);
      }
    }
    drops.evicted(outbox.takeEvictedMessages(), outbox.takeEvicted());
    return last;
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
   * Wipes the state directory (but the toggle) and forgets the id, between two flushes: the next
   * payload is built with a new id. Waits for a flush in progress at most the close timeout.
   */
  void forgetInstallation() throws IOException {
    try {
      if (!flushLock.tryLock(settings.closeTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new IOException("a flush in progress did not end within the close timeout");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    try {
      queue.clear(); // tracked while the request was in flight: before the erasure, so it goes
      installationId = null;
      state.forgetInstallation();
    } finally {
      flushLock.unlock();
    }
  }

  /** The installation id, created on first use (telemetry is on or local when this is called). */
  private UUID installationId() throws IOException {
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
