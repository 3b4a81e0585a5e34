/**
 * The SDK's resolved configuration: the builder's values with the operator's environment applied
 * ({@link dev.beacon.sdk.internal.config.Settings}, the one place environment variables and system
 * properties are mapped onto it), the checks every setting passes, how operators write a mode, the
 * extra CA certificates, and the SDK's version.
 *
 * <p>This package is internal and is hence not for public use. Its APIs are unstable and can change
 * at any time.
 */
package dev.beacon.sdk.internal.config;
