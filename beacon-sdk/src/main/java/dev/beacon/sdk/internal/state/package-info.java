/**
 * The state directory: the installation id, the persisted runtime toggle and the time of the last
 * report, in small files an operator can read, each written atomically.
 *
 * <p>This package is internal and is hence not for public use. Its APIs are unstable and can change
 * at any time.
 */
package dev.beacon.sdk.internal.state;
