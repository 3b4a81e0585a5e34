/**
 * The machinery behind the facade: the bounded queue the host's threads offer to, the one worker
 * that reports and flushes, the close within its deadlines, and the runtime control (toggle,
 * preview, send now, JMX).
 *
 * <p>This package is internal and is hence not for public use. Its APIs are unstable and can change
 * at any time.
 */
package dev.beacon.sdk.internal.pipeline;
