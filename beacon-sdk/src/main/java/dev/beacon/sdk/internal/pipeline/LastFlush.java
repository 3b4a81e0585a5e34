package dev.beacon.sdk.internal.pipeline;

import dev.beacon.sdk.TelemetryMode;
import dev.beacon.sdk.internal.delivery.Outbox;
import dev.beacon.sdk.internal.log.QuietLog;
import dev.beacon.sdk.internal.thread.FatalErrors;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The close thread of a {@link Pipeline}: the last flush, then one last delivery attempt within
 * what is left of the close timeout. The host's thread waits for it only until its deadlines, so
 * that neither serializing a product's values nor a worker stuck in one of them holds it up.
 */
final class LastFlush implements Runnable {
  /** Counted down once the queued events are spooled, or given up on. */
  final CountDownLatch spooled = new CountDownLatch(1);

  private final Flusher flusher;
  private final Outbox outbox;
  private final QuietLog log;
  private final TelemetryMode mode;
  private final boolean deliver;
  private final long deadline;
  private final long spoolDeadline;

  LastFlush(
      Flusher flusher,
      Outbox outbox,
      QuietLog log,
      TelemetryMode mode,
      boolean deliver,
      long deadline,
      long spoolDeadline) {
    this.flusher = flusher;
    this.outbox = outbox;
    this.log = log;
    this.mode = mode;
    this.deliver = deliver;
    this.deadline = deadline;
    this.spoolDeadline = spoolDeadline;
  }

  @Override
  public void run() {
    try {
      if (!flusher.flushBy(mode, spoolDeadline)) {
        // The host no longer waits. What is queued is still spooled once the flush in progress
        // ends (if the JVM lives that long), for the next start to send.
        spooled.countDown();
        log.failure("close", "a flush in progress outlasted the close timeout");
        flusher.flush(mode);
        return;
      }
      spooled.countDown();
      long left = deadline - System.nanoTime();
      if (deliver && left > 0) {
        outbox.deliver(Duration.ofNanos(left));
      }
    } catch (Throwable t) {
      FatalErrors.rethrowIfFatal(t);
      log.failure("close", "the last flush failed: " + t.getClass().getName());
    } finally {
      spooled.countDown();
    }
  }
}
