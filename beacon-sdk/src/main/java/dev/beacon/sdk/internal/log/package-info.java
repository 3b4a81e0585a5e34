/**
 * The SDK's only voice in the host's logs: once per kind of failure, at a quiet level, never with a
 * stack trace.
 *
 * <p>This package is internal and is hence not for public use. Its APIs are unstable and can change
 * at any time.
 */
package dev.beacon.sdk.internal.log;
