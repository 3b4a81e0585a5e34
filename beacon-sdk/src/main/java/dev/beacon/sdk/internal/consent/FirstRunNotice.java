package dev.beacon.sdk.internal.consent;

import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.log.QuietLog;
import dev.beacon.sdk.internal.thread.FatalErrors;

/** The text shown once to the operator of a fresh installation, through the product's callback. */
public final class FirstRunNotice {
  private FirstRunNotice() {}

  /** Hands the text to the product's callback, if it set one: once, when the id is created. */
  public static void show(Settings s, QuietLog log) {
    if (s.firstRunNotice == null) {
      return;
    }
    try {
      s.firstRunNotice.accept(text(s));
    } catch (Throwable t) {
      FatalErrors.rethrowIfFatal(t);
      log.failure("notice", "the first-run notice callback threw " + t.getClass().getName());
    }
  }

  static String text(Settings s) {
    String p = s.envPrefix;
    return s.product
        + " sends anonymous usage reports (versions, OS, hardware sizes, feature counts; never"
        + " hostnames, addresses, user names, paths or configuration values) so its makers can see"
        + " how it is used. To see exactly what is sent, set "
        + p
        + "_TELEMETRY_LOG_FILE=<file>. To turn it off, set "
        + p
        + "_TELEMETRY=off (or DO_NOT_TRACK=1); "
        + p
        + "_TELEMETRY=local keeps a local copy and sends nothing.";
  }
}
