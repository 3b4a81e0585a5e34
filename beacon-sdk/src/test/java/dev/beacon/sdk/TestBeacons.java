package dev.beacon.sdk;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/** Builders with short intervals and an isolated environment, for tests. */
final class TestBeacons {
  private TestBeacons() {}

  static BeaconBuilder builder(Path state, URI endpoint, Map<String, String> env) {
    BeaconBuilder b =
        Beacon.builder("acme")
            .version("5.0.9")
            .edition("opensource")
            .writeKey("wk_test")
            .stateDirectory(state)
            .initialDelay(Duration.ZERO)
            .reportInterval(Duration.ofHours(1))
            .flushInterval(Duration.ofMillis(50))
            .requestTimeout(Duration.ofSeconds(2))
            .connectTimeout(Duration.ofSeconds(1))
            .registerMBean(false)
            .environment(env)
            .systemProperties(new Properties());
    if (endpoint != null) {
      b.endpoint(endpoint);
    }
    return b;
  }

  static BeaconBuilder builder(Path state, URI endpoint) {
    return builder(state, endpoint, Map.of());
  }

  /** The settings a builder would give its Beacon, for the tests of the SDK's parts. */
  static Settings settings(BeaconBuilder b) {
    return b.settings();
  }
}
