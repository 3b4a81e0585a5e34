/**
 * The SDK's own JSON: a writer that defends the wire and the host (escaping, limits, cycles, an
 * output budget) and a strict reader for local sources.
 *
 * <p>This package is internal and is hence not for public use. Its APIs are unstable and can change
 * at any time.
 */
package dev.beacon.sdk.internal.json;
