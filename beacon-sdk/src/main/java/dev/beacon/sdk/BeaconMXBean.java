package dev.beacon.sdk;

/**
 * The JMX face of {@link TelemetryControl}, registered as {@code
 * dev.beacon:type=Telemetry,product=<name>}.
 *
 * @since 0.1.0
 */
public interface BeaconMXBean {
  /** The mode in force: {@code on}, {@code local} or {@code off}. */
  String getMode();

  /** Which setting decided the mode. */
  String getReason();

  /** Events dropped so far because the queue or the spool was full. */
  long getDroppedEvents();

  /** Turns telemetry on and persists the choice; answers the resulting status. */
  String enableTelemetry();

  /** Turns telemetry off and persists the choice; answers the resulting status. */
  String disableTelemetry();

  /** The exact JSON the next report would send. */
  String previewReport();
}
