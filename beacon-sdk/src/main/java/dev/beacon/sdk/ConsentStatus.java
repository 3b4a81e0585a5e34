package dev.beacon.sdk;

import dev.beacon.sdk.internal.config.ModeNames;
import java.util.Objects;

/**
 * The resolved telemetry mode and the reason for it, for example {@code off} because {@code
 * DO_NOT_TRACK=1} is set in the environment. Immutable.
 *
 * @since 0.1.0
 */
public final class ConsentStatus {
  private final TelemetryMode mode;
  private final String reason;

  /**
   * A status, as the SDK resolves it; public for a product's own test doubles of {@link
   * TelemetryControl}.
   *
   * @param reason which setting decided the mode, in words an operator can act on
   */
  public ConsentStatus(TelemetryMode mode, String reason) {
    this.mode = Objects.requireNonNull(mode, "mode");
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The mode in force. */
  public TelemetryMode mode() {
    return mode;
  }

  /** Which setting decided the mode, in words an operator can act on. */
  public String reason() {
    return reason;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConsentStatus
        && ((ConsentStatus) o).mode == mode
        && ((ConsentStatus) o).reason.equals(reason);
  }

  @Override
  public int hashCode() {
    return mode.hashCode() * 31 + reason.hashCode();
  }

  @Override
  public String toString() {
    return ModeNames.label(mode) + " (" + reason + ")";
  }
}
