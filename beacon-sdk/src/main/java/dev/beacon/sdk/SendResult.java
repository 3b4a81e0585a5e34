package dev.beacon.sdk;

import java.util.Objects;

/**
 * What happened to a report sent on request, through {@link TelemetryControl#sendReportNow}.
 * Immutable.
 *
 * @since 0.1.0
 */
public final class SendResult {
  /** The outcome of one attempt. */
  public enum Outcome {
    /** The server acknowledged the report. */
    DELIVERED,
    /** Telemetry is local: the report was written to the log file and not sent. */
    LOGGED_LOCALLY,
    /** Telemetry is off: nothing was built, sent or written. */
    NOT_SENT_OFF,
    /**
     * The attempt failed, or the request was refused (401, 403, 404 and the like: a key or a proxy
     * to fix); the report is kept in the spool and will be retried.
     */
    SPOOLED,
    /** The server refused the report itself for good (400, 413 or 422). */
    REJECTED
  }

  private final Outcome outcome;
  private final String detail;

  /**
   * A result, as the SDK gives it; public for a product's own test doubles of {@link
   * TelemetryControl}.
   *
   * @param detail details for an operator: the HTTP status, the error, or where the report went
   */
  public SendResult(Outcome outcome, String detail) {
    this.outcome = Objects.requireNonNull(outcome, "outcome");
    this.detail = Objects.requireNonNull(detail, "detail");
  }

  /** The outcome. */
  public Outcome outcome() {
    return outcome;
  }

  /** Details for an operator: the HTTP status, the error, or where the report was written. */
  public String detail() {
    return detail;
  }

  @Override
  public String toString() {
    return outcome + ": " + detail;
  }
}
