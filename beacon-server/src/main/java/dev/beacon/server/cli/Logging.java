package dev.beacon.server.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;

/** One logging backend for the server: java.util.logging (Helidon, the SDK) goes to SLF4J. */
final class Logging {
  private Logging() {}

  static void routeJulToSlf4j() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }
}
