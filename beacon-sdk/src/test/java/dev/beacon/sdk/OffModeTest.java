package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.beacon.sdk.internal.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Off means off: for every way of saying it, no connection is opened and no file is created. */
class OffModeTest {
  @TempDir Path tmp;

  static Stream<Arguments> offMechanisms() {
    return Stream.of(
        mechanism("DO_NOT_TRACK=1", b -> b.environment(Map.of("DO_NOT_TRACK", "1"))),
        mechanism("ACME_TELEMETRY=0", b -> b.environment(Map.of("ACME_TELEMETRY", "0"))),
        mechanism("ACME_TELEMETRY=false", b -> b.environment(Map.of("ACME_TELEMETRY", "false"))),
        mechanism("ACME_TELEMETRY=off", b -> b.environment(Map.of("ACME_TELEMETRY", "off"))),
        mechanism(
            "ACME_TELEMETRY__ENABLE=false",
            b -> b.environment(Map.of("ACME_TELEMETRY__ENABLE", "false"))),
        mechanism("system property", b -> b.systemProperties(props("acme.telemetry", "off"))),
        mechanism("product configuration", b -> b.configuredMode(TelemetryMode.OFF)),
        mechanism("product default", b -> b.defaultMode(TelemetryMode.OFF)),
        // The product's master switch, even with the operator asking for on, and a toggle to on.
        mechanism(
            "product master switch",
            b -> {
              b.environment(Map.of("ACME_TELEMETRY", "on")).disabled("acme.telemetry.compiled_out");
              Beacon probe = b.build();
              assertThat(probe.control().enable())
                  .isEqualTo(new ConsentStatus(TelemetryMode.OFF, "acme.telemetry.compiled_out"));
              return b;
            }));
  }

  private static Arguments mechanism(String name, Function<BeaconBuilder, BeaconBuilder> how) {
    return Arguments.of(name, how);
  }

  private static Properties props(String k, String v) {
    Properties p = new Properties();
    p.setProperty(k, v);
    return p;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("offMechanisms")
  void offModeOpensNoSocketAndWritesNoFile(String name, Function<BeaconBuilder, BeaconBuilder> how)
      throws Exception {
    Path state = tmp.resolve("state");
    Path logFile = tmp.resolve("telemetry.jsonl");
    try (Endpoints.BlackHole tripwire = new Endpoints.BlackHole()) {
      BeaconBuilder b =
          TestBeacons.builder(state, tripwire.uri()).logFile(logFile).section("s", () -> 1);
      Beacon beacon = how.apply(b).build();
      assertThat(beacon.control().status().mode()).as(name).isEqualTo(TelemetryMode.OFF);

      beacon.start();
      for (int i = 0; i < 1000; i++) {
        beacon.track("rule_created", Map.of("kind", "republish"));
      }
      assertThat(beacon.control().preview()).contains("\"type\":\"report\"");
      assertThat(beacon.control().sendReportNow().outcome())
          .isEqualTo(SendResult.Outcome.NOT_SENT_OFF);
      // Nothing may happen: watch for a while (no sleep: Awaitility checks throughout).
      await()
          .during(Duration.ofMillis(400))
          .atMost(Duration.ofSeconds(2))
          .until(() -> tripwire.connections() == 0 && !Files.exists(state));
      beacon.close();

      assertThat(tripwire.connections()).as("connections opened").isZero();
      assertThat(state).as("state directory").doesNotExist();
      assertThat(logFile).as("log file").doesNotExist();
      assertThat(TestBeacons.pipeline(beacon).workerStarted()).as("worker started").isFalse();
    }
  }

  @Test
  void runtimeDisableIsPersistedAndLeavesOnlyTheToggleBehind() throws IOException {
    Path state = tmp.resolve("state");
    try (TestCollector collector = TestCollector.start()) {
      Beacon first =
          TestBeacons.builder(state, collector.uri()).initialDelay(Duration.ofHours(1)).build();
      first.control().disable();
      first.close();
      assertThat(Files.readString(state.resolve(StateStore.MODE)).strip()).isEqualTo("off");

      try (Endpoints.BlackHole tripwire = new Endpoints.BlackHole()) {
        Beacon second = TestBeacons.builder(state, tripwire.uri()).build();
        assertThat(second.control().status().mode()).isEqualTo(TelemetryMode.OFF);
        assertThat(second.control().status().reason()).contains("at runtime");
        second.start();
        second.track("x", Map.of());
        await()
            .during(Duration.ofMillis(300))
            .atMost(Duration.ofSeconds(2))
            .until(() -> tripwire.connections() == 0);
        second.close();
        try (Stream<Path> files = Files.list(state)) {
          assertThat(files.map(p -> p.getFileName().toString())).containsExactly("mode");
        }
      }
    }
  }
}
