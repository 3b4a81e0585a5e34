/**
 * What command events need beyond the public API: the exit code a CLI passes to System.exit, and
 * the project id, an HMAC of the normalized git origin that names no path or person.
 *
 * <p>This package is internal and is hence not for public use. Its APIs are unstable and can change
 * at any time.
 */
package dev.beacon.sdk.internal.cli;
