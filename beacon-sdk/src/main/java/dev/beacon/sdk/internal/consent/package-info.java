/**
 * Who decides whether telemetry is on, local or off, and why: the resolver of every consent setting
 * in precedence order, the status in force with its runtime toggle, and the first-run notice that
 * tells the operator how to turn it off.
 *
 * <p>This package is internal and is hence not for public use. Its APIs are unstable and can change
 * at any time.
 */
package dev.beacon.sdk.internal.consent;
