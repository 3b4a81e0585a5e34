package dev.beacon.sdk;

/**
 * A report section whose values cover the time since the previous report, such as counters turned
 * into rates or a maximum since the last report. The SDK says whether the call is for the report
 * that is sent, which starts a new window, or for a preview, which must change nothing.
 *
 * <p>Called on one of the SDK's section threads under the section timeout, like a plain section.
 *
 * @since 0.2.0
 */
@FunctionalInterface
public interface ReportSection {
  /**
   * The section's value: a map, a list, a number, a string or a boolean.
   *
   * @param newWindow true for the report that is sent (the next call measures from now); false for
   *     {@link TelemetryControl#preview()}, which must leave the window as it is
   */
  Object collect(boolean newWindow);
}
