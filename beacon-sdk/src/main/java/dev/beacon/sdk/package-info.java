/**
 * Beacon's SDK: anonymous usage telemetry for a JVM product, under the operator's control. This
 * package is the whole public API: {@link dev.beacon.sdk.Beacon} and its {@link
 * dev.beacon.sdk.BeaconBuilder}, the runtime {@link dev.beacon.sdk.TelemetryControl} (and its JMX
 * face, {@link dev.beacon.sdk.BeaconMXBean}) with the values it answers ({@link
 * dev.beacon.sdk.TelemetryMode}, {@link dev.beacon.sdk.ConsentStatus}, {@link
 * dev.beacon.sdk.SendResult}), command events ({@link dev.beacon.sdk.CommandRun}, {@link
 * dev.beacon.sdk.CommandOption}) and the cluster agent ({@link dev.beacon.sdk.SourceAgent}, {@link
 * dev.beacon.sdk.Source}).
 *
 * <p>Everything else is in {@code dev.beacon.sdk.internal.*}: not for public use, and never used by
 * another module (a test checks it).
 *
 * @since 0.1.0
 */
package dev.beacon.sdk;
