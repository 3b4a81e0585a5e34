package dev.beacon.sdk;

/** The SDK's own version, reported as {@code context.library.version}. */
final class BeaconVersion {
  static final String VERSION = "0.1.0";

  private BeaconVersion() {}
}
