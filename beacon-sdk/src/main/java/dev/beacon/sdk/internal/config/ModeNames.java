package dev.beacon.sdk.internal.config;

import dev.beacon.sdk.TelemetryMode;
import java.util.Locale;

/**
 * How operators write a {@link TelemetryMode}, in environment variables, system properties and the
 * state directory's toggle file, and how the SDK writes it back.
 */
public final class ModeNames {
  private ModeNames() {}

  /**
   * Parses the values operators use: {@code on|true|1|yes|enabled}, {@code
   * off|false|0|no|disabled}, {@code local}. Case and surrounding blanks are ignored.
   *
   * @return the mode, or {@code null} when the text is none of those
   */
  public static TelemetryMode parse(String text) {
    if (text == null) {
      return null;
    }
    switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "on":
      case "true":
      case "1":
      case "yes":
      case "enabled":
        return TelemetryMode.ON;
      case "off":
      case "false":
      case "0":
      case "no":
      case "disabled":
        return TelemetryMode.OFF;
      case "local":
        return TelemetryMode.LOCAL;
      default:
        return null;
    }
  }

  /** {@code on}, {@code local} or {@code off}. */
  public static String label(TelemetryMode mode) {
    return mode.name().toLowerCase(Locale.ROOT);
  }
}
