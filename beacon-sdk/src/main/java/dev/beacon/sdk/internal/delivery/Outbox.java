package dev.beacon.sdk.internal.delivery;

import dev.beacon.sdk.DeliveryStatus;
import dev.beacon.sdk.SendResult;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.log.QuietLog;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * Where a written payload goes: with telemetry on, into the crash-safe spool, which {@link
 * Delivery} sends (and a command-line product's exit hands to a {@link DetachedUploader}); with
 * telemetry local, into the local log file, never to the network.
 */
public final class Outbox {
  private final Settings settings;
  private final QuietLog log;
  private final Spool spool;
  private final PayloadLog localLog;
  private final Delivery delivery;

  /**
   * @param sending whether telemetry is on, asked before each payload is sent
   * @param rejected told how many messages the server refused for good
   */
  public Outbox(Settings settings, QuietLog log, BooleanSupplier sending, LongConsumer rejected) {
    this.settings = settings;
    this.log = log;
    Path state = settings.stateDirectory;
    this.spool = new Spool(spoolDirectory(settings), settings.maxSpoolBytes);
    PayloadLog sentLog = settings.logFile == null ? null : new PayloadLog(settings.logFile);
    this.localLog =
        sentLog != null ? sentLog : new PayloadLog(state.resolve("local-payloads.jsonl"));
    this.delivery =
        new Delivery(
            settings,
            spool,
            log,
            new Backoff(settings.retryBase, settings.retryMax),
            sentLog,
            sending,
            rejected);
  }

  /** Where a product's payloads wait for delivery. */
  static Path spoolDirectory(Settings settings) {
    return settings.stateDirectory.resolve("spool");
  }

  /**
   * The last delivery attempt and what waits in the spool, read from the state directory: what this
   * process did, or another one on the same directory (a CLI's uploader, an earlier run).
   */
  public static DeliveryStatus deliveryStatus(Settings settings) {
    return DeliveryRecord.read(spoolDirectory(settings));
  }

  /**
   * Spools a payload for delivery, evicting the oldest ones if the spool is full (see {@link
   * #takeEvicted}).
   *
   * @return its file, or null when it alone exceeds the spool
   */
  public Path spool(byte[] payload, int messages, long droppedEvents) throws IOException {
    Path file = spool.add(payload, messages, droppedEvents);
    delivery.markWork();
    return file;
  }

  /** Appends a payload to the local log (local mode): nothing is sent. */
  public void logLocally(byte[] payload) throws IOException {
    localLog.append(payload);
  }

  public Path localLogFile() {
    return localLog.file();
  }

  /** What the next payload reports for the spool's evictions since the last call. */
  public long takeEvicted() {
    return spool.takeEvicted();
  }

  /** The messages the spool evicted since the last call, without the counts they carried. */
  public long takeEvictedMessages() {
    return spool.takeEvictedMessages();
  }

  /** Telemetry was turned off: what waits in the spool is deleted. */
  public void discard() throws IOException {
    spool.clear();
  }

  public boolean hasWork() {
    return delivery.hasWork();
  }

  /** Whether there is something to send and the backoff allows an attempt at {@code nowNanos}. */
  public boolean due(long nowNanos) {
    return delivery.due(nowNanos);
  }

  public long nextAttemptAtNanos() {
    return delivery.nextAttemptAtNanos();
  }

  /** Sends the spool until an attempt fails or {@code timeout} is spent. */
  public void deliver(Duration timeout) {
    delivery.deliver(timeout);
  }

  /** Asks the server to erase what an installation sent. */
  public SendResult forget(UUID installation, Duration timeout) {
    return delivery.forget(installation, timeout);
  }

  /** Sends one spooled payload now (a report sent on request) and says what happened. */
  public SendResult sendNow(Path file, Duration timeout) {
    return delivery.sendNow(file, timeout);
  }

  /** Makes the HTTP exporter now, on the worker, so that the first send does not pay for it. */
  public void prepare() {
    delivery.prepare();
  }

  /**
   * Whether the server answered a payload of this process already. A command's exit tries to
   * deliver only then: in a fresh JVM the first request loads the JDK's HTTP stack, and on two
   * cores that alone outlasted the exit's 50 ms (issue 20), after which the payload went to an
   * uploader all the same.
   */
  public boolean serverAnswered() {
    return delivery.answered();
  }

  public void cancelInFlight() {
    delivery.cancelInFlight();
  }

  /**
   * Whether an uploader found the endpoint unreachable a moment ago: then a command's exit does not
   * wait for it again. (One small file read; the exit's other reads of the spool are as cheap.)
   */
  public boolean uploaderPaused() {
    // Wall clock: the pause was written by another process (an uploader), in the one time
    // processes share.
    return settings.detachedUploader && System.currentTimeMillis() < spool.retryPausedUntilMillis();
  }

  /** At a command-line product's exit: what is still spooled goes to a detached uploader. */
  public void handOverToUploader() {
    if (settings.detachedUploader) {
      DetachedUploader.handOver(settings, spool, log);
    }
  }

  /** The spool itself, for tests. */
  Spool spool() {
    return spool;
  }
}
