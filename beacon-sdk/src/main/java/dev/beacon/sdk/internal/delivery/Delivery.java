package dev.beacon.sdk.internal.delivery;

import dev.beacon.protocol.Wire;
import dev.beacon.sdk.DeliveryStatus.LastOutcome;
import dev.beacon.sdk.SendResult;
import dev.beacon.sdk.TelemetryControl;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.log.QuietLog;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * Sends the spool, oldest payload first, until one attempt fails; then waits out the backoff (or
 * the server's {@code Retry-After}). A payload leaves the spool only when the server acknowledged
 * it (then it is appended to the operator's log file) or refused the payload itself for good (400,
 * 413, 422); a refused request (401, 403, 404...) keeps it and waits the longest backoff. One
 * delivery at a time, whoever asks: the worker, {@code close()} or {@code sendReportNow()}.
 */
final class Delivery {
  private final Settings settings;
  private final Spool spool;
  private final QuietLog log;
  private final Backoff backoff;
  private final PayloadLog sentLog;
  private final BooleanSupplier allowed;
  private final LongConsumer dropped;
  private final DeliveryRecord record;
  private final Object lock = new Object();
  private final Object exporterLock = new Object();
  private volatile HttpExporter exporter; // made on first use, under exporterLock
  private volatile boolean hasWork = true; // a previous run may have left payloads behind
  private volatile boolean answered; // the server answered a payload of this process

  /** A {@link System#nanoTime()} deadline: a wall clock set back must not stall delivery. */
  private volatile long nextAttemptAtNanos = System.nanoTime();

  private boolean pauseCleared; // guarded by lock

  /**
   * Set by close(): an attempt that fails after it is not noted on disk. It is no news of the
   * server (a CLI's uploader notes its own), and the host may be deleting the directory by then.
   */
  private volatile boolean closing;

  /**
   * @param sentLog the operator's copy of what was delivered, or null
   * @param allowed whether sending is still allowed (telemetry on), asked before each payload
   * @param dropped told how many messages the server refused for good
   */
  Delivery(
      Settings settings,
      Spool spool,
      QuietLog log,
      Backoff backoff,
      PayloadLog sentLog,
      BooleanSupplier allowed,
      LongConsumer dropped) {
    this.settings = settings;
    this.spool = spool;
    this.log = log;
    this.backoff = backoff;
    this.sentLog = sentLog;
    this.allowed = allowed;
    this.dropped = dropped;
    this.record = new DeliveryRecord(spool.directory());
  }

  boolean hasWork() {
    return hasWork;
  }

  /** Whether the server answered a payload of this process: the HTTP stack is loaded, warm. */
  boolean answered() {
    return answered;
  }

  void markWork() {
    hasWork = true;
  }

  boolean due(long nowNanos) {
    return hasWork && nowNanos - nextAttemptAtNanos >= 0;
  }

  long nextAttemptAtNanos() {
    return nextAttemptAtNanos;
  }

  private void retryIn(long delayMillis) {
    nextAttemptAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
  }

  /**
   * Sends spooled payloads until one fails, the time is up, or telemetry is no longer on.
   *
   * @return the outcome of the last attempt, or null if there was nothing to send
   */
  HttpExporter.Outcome deliver(Duration timeout) {
    synchronized (lock) {
      // Several processes of a CLI may share the spool: one uploads, the others leave it be.
      if (!Files.isDirectory(spool.directory())) {
        hasWork = false;
        return null;
      }
      try (SpoolLock held = SpoolLock.tryAcquire(spool.directory())) {
        if (held == null) {
          // Another process is uploading; look again a little later.
          retryIn(1000);
          log.failure("lock", "another process is uploading the spool; waiting for it");
          return null;
        }
        return deliverHolding(timeout);
      }
    }
  }

  /** As {@link #deliver}, for a caller that holds the spool's {@link SpoolLock} already. */
  HttpExporter.Outcome deliverHolding(Duration timeout) {
    synchronized (lock) {
      long deadline = System.nanoTime() + timeout.toNanos();
      HttpExporter.Outcome last = null;
      // Cleared before the spool is listed: a payload the worker spools meanwhile sets it again
      // (markWork), so it is never left unsent until some later payload.
      hasWork = false;
      for (Path file : spool.pending()) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !allowed.getAsBoolean()) {
          hasWork = true;
          return last;
        }
        last = deliverOne(file, Duration.ofNanos(left));
        if (last != null && last.kept()) {
          hasWork = true;
          return last;
        }
      }
      return last;
    }
  }

  /**
   * Sends one spooled payload now, for {@link TelemetryControl#sendReportNow}: what happened, in
   * the public API's terms. The one place the exporter's outcome is told to the product.
   */
  SendResult sendNow(Path file, Duration timeout) {
    HttpExporter.Outcome o = deliverOne(file, timeout);
    if (o == null) {
      return new SendResult(SendResult.Outcome.DELIVERED, "delivered by the running worker");
    }
    switch (o.kind) {
      case DELIVERED:
        return new SendResult(
            SendResult.Outcome.DELIVERED, o.detail + " from " + settings.batchUri());
      case REJECTED:
        return new SendResult(
            SendResult.Outcome.REJECTED, o.detail + " from " + settings.batchUri());
      default:
        return new SendResult(
            SendResult.Outcome.SPOOLED,
            o.detail + " (" + settings.batchUri() + "); kept in " + settings.stateDirectory);
    }
  }

  /**
   * Asks the server to erase what this installation sent ({@link TelemetryControl#forget}); waits
   * at most {@code timeout}. A new connection, not the worker's: the worker may be in a request.
   */
  SendResult forget(UUID installation, Duration timeout) {
    byte[] body =
        ("{\"" + Wire.ANONYMOUS_ID + "\":\"" + installation + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    HttpExporter.Outcome o =
        new HttpExporter(settings, log, settings.forgetUri()).send(body, timeout);
    switch (o.kind) {
      case DELIVERED:
        return new SendResult(
            SendResult.Outcome.DELIVERED, "erased on the server (" + o.detail + ")");
      case RETRY:
        return new SendResult(
            SendResult.Outcome.SPOOLED,
            o.detail + " (" + settings.forgetUri() + "): nothing was erased; call forget() again");
      default:
        return new SendResult(
            SendResult.Outcome.REJECTED, o.detail + " from " + settings.forgetUri());
    }
  }

  /** Makes the HTTP exporter now, beside the host's work, rather than at the first send. */
  void prepare() {
    exporter();
  }

  /** Abandons the request in flight, if any (from another thread: close()); it stays spooled. */
  void cancelInFlight() {
    closing = true;
    HttpExporter e = exporter;
    if (e != null) {
      e.cancel();
    }
  }

  private HttpExporter exporter() {
    HttpExporter e = exporter;
    if (e == null) {
      synchronized (exporterLock) {
        e = exporter;
        if (e == null) {
          e = new HttpExporter(settings, log);
          exporter = e;
        }
      }
    }
    return e;
  }

  private void keepCopy(byte[] payload) {
    if (sentLog == null) {
      return;
    }
    try {
      sentLog.append(payload);
    } catch (IOException e) {
      log.failure("log", "could not append to the log file: " + e.getClass().getSimpleName());
    }
  }

  /**
   * The endpoint as an operator's status and log may show it: scheme, host, port and path, never
   * credentials or a query a URL may carry.
   */
  private String shownEndpoint() {
    URI u = settings.batchUri();
    if (u == null) {
      return "(no endpoint)";
    }
    return u.getScheme()
        + "://"
        + u.getHost()
        + (u.getPort() < 0 ? "" : ":" + u.getPort())
        + u.getPath();
  }

  /** A refused request in words an operator can act on: what the status means, what to check. */
  private String refusal(int status) {
    String p = settings.envPrefix;
    switch (status) {
      case 401:
        return "HTTP 401, the server at "
            + shownEndpoint()
            + " does not know this write key; check "
            + p
            + "_TELEMETRY_WRITE_KEY or the key the product sets";
      case 403:
        return "HTTP 403, the server or a proxy at "
            + shownEndpoint()
            + " forbids this request; check the write key and the proxy";
      case 404:
        return "HTTP 404, nothing receives telemetry at "
            + shownEndpoint()
            + "; check "
            + p
            + "_TELEMETRY_ENDPOINT";
      default:
        return "HTTP "
            + status
            + " from "
            + shownEndpoint()
            + "; check the endpoint and the write key";
    }
  }

  /** Sends one spooled payload; null if it is gone (delivered by someone else meanwhile). */
  HttpExporter.Outcome deliverOne(Path file, Duration timeout) {
    synchronized (lock) {
      try {
        // Marked before it is read, until it is removed or kept: meanwhile it is not evicted.
        spool.sending(file);
        byte[] bytes = spool.read(file);
        if (bytes == null) {
          return null;
        }
        HttpExporter.Outcome o = exporter().send(bytes, timeout);
        switch (o.kind) {
          case DELIVERED:
            // Noted before the payload goes: whoever sees the spool empty sees the note too.
            record.attempted(LastOutcome.DELIVERED, o.detail);
            spool.remove(file);
            answered = true;
            if (backoff.failures() > 0 || !pauseCleared) {
              spool.clearRetryPause(); // the endpoint answers again: later runs may upload at once
              pauseCleared = true;
            }
            backoff.reset();
            log.recovered("delivery");
            keepCopy(bytes);
            break;
          case REJECTED:
            record.attempted(LastOutcome.REJECTED, o.detail + ": the payload was dropped");
            spool.remove(file);
            answered = true;
            dropped.accept(Spool.messagesIn(file));
            log.failure("rejected", "the server refused a payload for good (" + o.detail + ")");
            break;
          case REFUSED:
            retryIn(backoff.longestDelayMillis(o.retryAfterMillis));
            String what = refusal(o.status);
            record.attempted(LastOutcome.REFUSED, what);
            log.misconfigured(
                "refused",
                "delivery refused, "
                    + what
                    + "; payloads stay in the spool and are sent once that is fixed",
                settings.commandLine);
            break;
          default:
            if (!closing) {
              record.attempted(LastOutcome.UNREACHABLE, o.summary);
            }
            retryIn(backoff.nextDelayMillis(o.retryAfterMillis));
            log.failure(
                "delivery",
                "could not deliver ("
                    + o.detail
                    + "); payloads stay in the spool and are retried quietly");
        }
        return o;
      } catch (IOException e) {
        // An unreadable or undeletable spool file must not spin the worker or flood the server.
        retryIn(backoff.nextDelayMillis(0));
        log.failure("spool", "spool unreadable: " + e.getClass().getSimpleName());
        return HttpExporter.Outcome.retry(0, "spool unreadable: " + e.getClass().getSimpleName());
      } finally {
        spool.sending(null);
      }
    }
  }
}
