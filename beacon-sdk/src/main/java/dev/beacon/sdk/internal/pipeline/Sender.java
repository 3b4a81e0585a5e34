package dev.beacon.sdk.internal.pipeline;

import dev.beacon.sdk.TelemetryMode;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.consent.Consent;
import dev.beacon.sdk.internal.delivery.Outbox;
import dev.beacon.sdk.internal.log.QuietLog;
import dev.beacon.sdk.internal.thread.DaemonThreads;
import dev.beacon.sdk.internal.thread.FatalErrors;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread that sends the spool, beside the {@link Worker}: while a request waits for the server
 * (a commit, a checkpoint, a slow network), the worker goes on moving the queue to the spool, so
 * the queue does not fill and drop behind one request in flight. Started by the worker the first
 * time something is due to be sent; parks until the backoff allows the next attempt, or until the
 * worker spools more. It survives every failure but a fatal one ({@link FatalErrors}), never in a
 * tight loop.
 */
final class Sender implements Runnable {
  /** The longest park when nothing waits: the worker wakes it when something does. */
  private static final long IDLE_NANOS = 60_000_000_000L;

  private final Settings settings;
  private final Consent consent;
  private final Outbox outbox;
  private final QuietLog log;
  private volatile Thread thread;
  private volatile boolean stopping;

  Sender(Settings settings, Consent consent, Outbox outbox, QuietLog log) {
    this.settings = settings;
    this.consent = consent;
    this.outbox = outbox;
    this.log = log;
  }

  /** From the worker: something is due; starts the thread the first time. */
  void wake() {
    Thread t = thread;
    if (t == null) {
      synchronized (this) {
        if (stopping || thread != null) {
          return;
        }
        t = DaemonThreads.thread("beacon-" + settings.product + "-sender", this);
        thread = t;
        t.start();
      }
      return;
    }
    LockSupport.unpark(t);
  }

  /** Asks the thread to stop after its attempt in flight; the thread, or null if never started. */
  Thread stop() {
    Thread t;
    synchronized (this) {
      stopping = true;
      t = thread;
    }
    if (t != null) {
      LockSupport.unpark(t);
    }
    return t;
  }

  @Override
  public void run() {
    while (!stopping) {
      try {
        long now = System.nanoTime();
        boolean on = consent.mode() == TelemetryMode.ON;
        if (on && outbox.due(now)) {
          outbox.deliver(settings.requestTimeout);
          continue; // what the worker spooled meanwhile is due at once
        }
        // Not on (the worker wakes it when telemetry is on again and something is due), nothing
        // to send, or the backoff's wait: never a wait of zero, so never a tight loop.
        long wait =
            on && outbox.hasWork()
                ? Math.max(1_000_000L, Math.min(IDLE_NANOS, outbox.nextAttemptAtNanos() - now))
                : IDLE_NANOS;
        if (!stopping) {
          LockSupport.parkNanos(this, wait);
        }
      } catch (Throwable t) {
        FatalErrors.rethrowIfFatal(t);
        log.failure("sender", "a delivery step failed: " + t.getClass().getName());
        LockSupport.parkNanos(this, 1_000_000_000L);
      }
    }
  }
}
