package dev.beacon.sdk;

import java.util.Optional;

/**
 * Runtime control of telemetry, for the product to wire into its own API or dashboard (as EMQX's
 * {@code /telemetry/status} and {@code /telemetry/data}). Every method is safe to call in every
 * mode and never throws.
 *
 * @since 0.1.0
 */
public interface TelemetryControl {
  /** The mode in force and which setting decided it. */
  ConsentStatus status();

  /**
   * Turns telemetry on at once and remembers the choice in the state directory. A setting of higher
   * precedence (such as {@code DO_NOT_TRACK} or an environment variable) still wins; the answer
   * says so.
   *
   * @return the status after the change
   */
  ConsentStatus enable();

  /**
   * Turns telemetry off at once and remembers the choice. Reports waiting in the spool are deleted.
   *
   * @return the status after the change
   */
  ConsentStatus disable();

  /**
   * The exact JSON the next report would send, whatever the mode. Has no side effect: nothing is
   * sent or written, and rates are not reset.
   */
  String preview();

  /**
   * Builds a report and delivers it now, honouring the mode exactly as the scheduled report would:
   * a connectivity check for operators. Blocks the calling thread for at most the request timeout.
   */
  SendResult sendReportNow();

  /**
   * This installation's id, as its events carry it: what an operator quotes to the vendor to have
   * its data erased. Empty when none was created (nothing was ever sent or logged). Creates
   * nothing.
   *
   * @since 0.3.0
   */
  default Optional<String> installationId() {
    return Optional.empty();
  }

  /**
   * Erases this installation: asks the server to delete everything it stored of it (the id is the
   * proof, so only this installation can ask), then wipes the state directory but the runtime
   * toggle (the id, the spool, the local copy of sent payloads, delivery records) and drops what
   * waits in memory; the next event starts a new id. Sent whatever the mode, since the operator
   * asked for it, but only when an id exists. What waits to be sent is dropped first, whatever the
   * answer. Blocks the calling thread for at most the request timeout; never throws.
   *
   * @return {@code DELIVERED} when the server erased it (or there was nothing to erase), {@code
   *     REJECTED} when it refused (a wrong write key, an unknown endpoint), {@code SPOOLED} when it
   *     could not be reached (no answer, a network or server error): nothing was erased or wiped,
   *     nothing is retried by itself, and the call can be repeated
   * @since 0.3.0
   */
  default SendResult forget() {
    return new SendResult(SendResult.Outcome.REJECTED, "not supported by this control");
  }

  /**
   * Where delivery stands: the last attempt (by this process or another on the same state
   * directory, such as a CLI's uploader) and its outcome, and what waits in the spool. Reads the
   * state directory; sends nothing.
   *
   * @since 0.2.0
   */
  default DeliveryStatus delivery() {
    return new DeliveryStatus(DeliveryStatus.LastOutcome.NONE, null, "", 0, 0, null);
  }
}
