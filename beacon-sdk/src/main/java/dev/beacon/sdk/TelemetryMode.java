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
  OFF
}
