/**
 * Where a written payload goes and how it leaves: the crash-safe spool shared by processes, the
 * local log, HTTP delivery with backoff, and the detached uploader of command-line products
 * (started as a JVM of its own by its class name).
 *
 * <p>This package is internal and is hence not for public use. Its APIs are unstable and can change
 * at any time.
 */
package dev.beacon.sdk.internal.delivery;
