package dev.beacon.sdk.internal.config;

/** The SDK's own version, reported as {@code context.library.version}. */
public final class BeaconVersion {
  public static final String VERSION = "0.1.0";

  private BeaconVersion() {}
}
