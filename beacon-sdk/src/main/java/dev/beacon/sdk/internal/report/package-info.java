/**
 * What the SDK sends: events as captured on the caller's thread, the report's built-in facts,
 * product sections and rates, the redaction of anything that names the machine or its user, and
 * messages and batches in the wire format within the protocol's limits.
 *
 * <p>This package is internal and is hence not for public use. Its APIs are unstable and can change
 * at any time.
 */
package dev.beacon.sdk.internal.report;
