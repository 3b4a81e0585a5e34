package dev.beacon.sdk;

import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.delivery.SpoolProbe;
import dev.beacon.sdk.internal.pipeline.PipelineProbe;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.awaitility.Awaitility;

/** Builders with short intervals and an isolated environment, for tests. */
public final class TestBeacons {
  private TestBeacons() {}

  public static BeaconBuilder builder(
      Path state, URI endpoint, Map<String, String> env, Properties systemProperties) {
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
            .systemProperties(systemProperties);
    if (endpoint != null) {
      b.endpoint(endpoint);
    }
    return b;
  }

  /**
   * Waits until no detached uploader works in the directory (its command line names its spool): a
   * run's exit may have started one, which lingers a moment after the spool is empty. A test whose
   * {@code @TempDir} it is calls this before JUnit deletes the directory, or the deletion races the
   * uploader's last writes.
   */
  public static void awaitUploadersGone(Path dir) {
    String path = dir.toAbsolutePath().toString();
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                ProcessHandle.allProcesses()
                    .noneMatch(
                        p ->
                            !p.equals(ProcessHandle.current())
                                && p.info().commandLine().orElse("").contains(path)));
  }

  public static BeaconBuilder builder(Path state, URI endpoint, Map<String, String> env) {
    return builder(state, endpoint, env, new Properties());
  }

  public static BeaconBuilder builder(Path state, URI endpoint) {
    return builder(state, endpoint, Map.of());
  }

  /** The settings a builder would give its Beacon, for the tests of the SDK's parts. */
  public static Settings settings(BeaconBuilder b) {
    return b.settings();
  }

  /** What the tests may see of a Beacon's pipeline. */
  static PipelineProbe pipeline(Beacon beacon) {
    return PipelineProbe.of(beacon.pipeline());
  }

  /** A Beacon's spool. */
  static SpoolProbe spool(Beacon beacon) {
    return SpoolProbe.of(pipeline(beacon).outbox());
  }
}
