package dev.beacon.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** What the build wrote into {@code version.properties}. */
public final class BuildInfo {
  private BuildInfo() {}

  /** This build's version, or "(version unknown)". */
  public static String version() {
    Properties p = new Properties();
    try (InputStream in =
        BuildInfo.class.getResourceAsStream("/dev/beacon/server/version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // an unknown version, said so below
    }
    return p.getProperty("version", "(version unknown)");
  }
}
