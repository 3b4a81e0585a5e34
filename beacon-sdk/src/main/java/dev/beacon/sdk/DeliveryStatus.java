package dev.beacon.sdk;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * Where delivery stands: the last attempt to send (by this process or another one on the same state
 * directory, such as a CLI's uploader) and what waits in the spool. For an operator asking why
 * nothing arrives: {@code refused: HTTP 401, the server does not know this write key}. Immutable.
 *
 * @since 0.2.0
 */
public final class DeliveryStatus {
  /** What the last attempt came to. */
  public enum LastOutcome {
    /** Nothing was tried yet from this state directory. */
    NONE,
    /** The server acknowledged the payload. */
    DELIVERED,
    /**
     * The server or a proxy refused the request (401, 403, 404...): a key or an endpoint to fix.
     * The payloads stay spooled and are sent once it is fixed.
     */
    REFUSED,
    /** The server refused a payload itself for good (400, 413, 422); it was dropped. */
    REJECTED,
    /** No answer, or one that may pass (network, 5xx, 429): retried with a backoff. */
    UNREACHABLE
  }

  private final LastOutcome outcome;
  private final Instant lastAttempt;
  private final String detail;
  private final int spooledPayloads;
  private final long spooledBytes;
  private final Instant oldestSpooled;

  /**
   * A status, as the SDK reads it; public for a product's own test doubles of {@link
   * TelemetryControl}.
   *
   * @param lastAttempt when the last attempt ended, or null for {@link LastOutcome#NONE}
   * @param detail what to check, in words an operator can act on ("" when none)
   * @param oldestSpooled when the oldest spooled payload was written, or null for none
   */
  public DeliveryStatus(
      LastOutcome outcome,
      Instant lastAttempt,
      String detail,
      int spooledPayloads,
      long spooledBytes,
      Instant oldestSpooled) {
    this.outcome = Objects.requireNonNull(outcome, "outcome");
    this.lastAttempt = lastAttempt;
    this.detail = Objects.requireNonNull(detail, "detail");
    this.spooledPayloads = spooledPayloads;
    this.spooledBytes = spooledBytes;
    this.oldestSpooled = oldestSpooled;
  }

  /** What the last attempt came to. */
  public LastOutcome lastOutcome() {
    return outcome;
  }

  /** When the last attempt ended; null when none was made. */
  public Instant lastAttempt() {
    return lastAttempt;
  }

  /** The HTTP status or the error, and what to check. */
  public String detail() {
    return detail;
  }

  /** Payloads waiting in the spool. */
  public int spooledPayloads() {
    return spooledPayloads;
  }

  /** Their size on disk. */
  public long spooledBytes() {
    return spooledBytes;
  }

  /** When the oldest of them was written; null when the spool is empty. */
  public Instant oldestSpooled() {
    return oldestSpooled;
  }

  /**
   * In words, as {@code ./beacon status} prints it: {@code refused: HTTP 401, ... (at T); spool: 2
   * payload(s) spooled, 2776 bytes, the oldest written T}.
   */
  @Override
  public String toString() {
    String last =
        outcome == LastOutcome.NONE
            ? "none attempted from this state directory"
            : outcome.name().toLowerCase(Locale.ROOT)
                + (detail.isEmpty() ? "" : ": " + detail)
                + " (at "
                + lastAttempt
                + ")";
    String spool =
        spooledPayloads == 0
            ? "empty"
            : spooledPayloads
                + " payload(s) spooled, "
                + spooledBytes
                + " bytes, the oldest written "
                + oldestSpooled;
    return last + "; spool: " + spool;
  }
}
