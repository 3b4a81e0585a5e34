package dev.beacon.sdk;

/** The text shown once to the operator of a fresh installation. */
final class FirstRunNotice {
  private FirstRunNotice() {}

  static String text(Settings s) {
    String p = s.envPrefix;
    return s.product
        + " sends anonymous usage reports (versions, OS, hardware sizes, feature counts; never"
        + " hostnames, addresses, user names, paths or configuration values) so its makers can see"
        + " how it is used. To see exactly what is sent, set "
        + p
        + "_TELEMETRY_LOG_FILE=<file>. To turn it off, set "
        + p
        + "_TELEMETRY=off (or DO_NOT_TRACK=1); "
        + p
        + "_TELEMETRY=local keeps a local copy and sends nothing.";
  }
}
