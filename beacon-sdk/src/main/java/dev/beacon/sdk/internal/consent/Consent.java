package dev.beacon.sdk.internal.consent;

import dev.beacon.sdk.ConsentStatus;
import dev.beacon.sdk.TelemetryMode;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.log.QuietLog;
import dev.beacon.sdk.internal.state.StateStore;
import java.io.IOException;

/**
 * The mode in force and why, as {@link ConsentResolver} decided it at {@code build()}, and the
 * runtime toggle that changes it: the operator's choice is persisted in the state directory and the
 * mode resolved again, so a setting of higher precedence (such as {@code DO_NOT_TRACK}) still wins.
 * Thread-safe; the toggle's callers serialize it.
 */
public final class Consent {
  private final ConsentResolver resolver;
  private final StateStore state;
  private final QuietLog log;
  private final boolean disabled;
  private volatile ConsentStatus status;

  public Consent(Settings settings, StateStore state, QuietLog log) {
    this.resolver = new ConsentResolver(settings);
    this.state = state;
    this.log = log;
    this.disabled = settings.disabledBy != null;
    this.status = resolver.resolve(state.persistedMode());
  }

  public ConsentStatus status() {
    return status;
  }

  public TelemetryMode mode() {
    return status.mode();
  }

  /** Remembers the operator's choice and resolves the mode again; the status after it. */
  public ConsentStatus toggle(TelemetryMode wanted) {
    if (disabled) {
      return status; // off for good: nothing to remember, and nothing may be written
    }
    try {
      state.persistMode(wanted);
    } catch (IOException e) {
      log.failure(
          "toggle", "could not persist the runtime toggle: " + e.getClass().getSimpleName());
    }
    ConsentStatus s = resolver.resolve(wanted);
    status = s;
    return s;
  }
}
