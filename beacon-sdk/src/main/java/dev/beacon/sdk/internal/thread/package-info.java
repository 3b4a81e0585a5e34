/**
 * How the SDK runs code beside its host: the one factory of its named daemon threads, the one rule
 * for which errors a background task lets through, and product code run under deadlines.
 *
 * <p>This package is internal and is hence not for public use. Its APIs are unstable and can change
 * at any time.
 */
package dev.beacon.sdk.internal.thread;
