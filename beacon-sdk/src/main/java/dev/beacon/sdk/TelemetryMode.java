package dev.beacon.sdk;

/**
 * What the SDK does with the telemetry it could collect.
 *
 * @since 0.1.0
 */
public enum TelemetryMode {
  /** Collect and send. */
  ON,
  /** Collect and write to the local log file only; never open a connection. */
  LOCAL,
  /** Nothing is collected, sent or written. */
  OFF;

  /**
   * Parses the values operators use in environment variables and config files: {@code
   * on|true|1|yes|enabled}, {@code off|false|0|no|disabled}, {@code local}. Case and surrounding
   * blanks are ignored.
   *
   * @return the mode, or {@code null} when the text is none of those
   */
  static TelemetryMode parse(String text) {
    if (text == null) {
      return null;
    }
    switch (text.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "on":
      case "true":
      case "1":
      case "yes":
      case "enabled":
        return ON;
      case "off":
      case "false":
      case "0":
      case "no":
      case "disabled":
        return OFF;
      case "local":
        return LOCAL;
      default:
        return null;
    }
  }

  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
