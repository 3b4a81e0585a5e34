package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlTest {
  @TempDir Path tmp;

  @Test
  void theRuntimeToggleTakesEffectAtOnceBothWaysAndIsPersisted() throws Exception {
    Path state = tmp.resolve("state");
    try (TestCollector collector = TestCollector.start()) {
      Beacon beacon =
          TestBeacons.builder(state, collector.uri())
              .defaultMode(TelemetryMode.OFF)
              .initialDelay(Duration.ofHours(1))
              .build();
      beacon.start();
      beacon.track("ignored_while_off", Map.of());
      assertThat(TestBeacons.pipeline(beacon).workerStarted()).isFalse();

      ConsentStatus on = beacon.control().enable();
      assertThat(on.mode()).isEqualTo(TelemetryMode.ON);
      beacon.track("sent_after_enable", Map.of());
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages().size() == 1);
      assertThat(collector.messages().get(0).get("event").asText()).isEqualTo("sent_after_enable");

      ConsentStatus off = beacon.control().disable();
      assertThat(off.mode()).isEqualTo(TelemetryMode.OFF);
      beacon.track("ignored_after_disable", Map.of());
      await().during(Duration.ofMillis(300)).until(() -> collector.messages().size() == 1);
      beacon.close();

      Beacon restarted = TestBeacons.builder(state, collector.uri()).build();
      assertThat(restarted.control().status().mode()).isEqualTo(TelemetryMode.OFF);
      restarted.close();
      assertThat(Files.readString(state.resolve("mode")).strip()).isEqualTo("off");
    }
  }

  @Test
  void anEnvironmentVariableStillWinsOverTheRuntimeToggleAndTheAnswerSaysSo() {
    Beacon beacon =
        TestBeacons.builder(tmp.resolve("state"), null, Map.of("DO_NOT_TRACK", "1")).build();
    ConsentStatus s = beacon.control().enable();
    beacon.close();
    assertThat(s.mode()).isEqualTo(TelemetryMode.OFF);
    assertThat(s.reason()).contains("DO_NOT_TRACK");
  }

  @Test
  void theMBeanOffersTheSameOperations() throws Exception {
    Beacon beacon =
        TestBeacons.builder(tmp.resolve("state"), null)
            .registerMBean(true)
            .defaultMode(TelemetryMode.OFF)
            .build();
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = new ObjectName("dev.beacon:type=Telemetry,product=\"acme\"");
    try {
      assertThat(server.getAttribute(name, "Mode")).isEqualTo("off");
      assertThat((String) server.invoke(name, "previewReport", null, null))
          .contains("\"type\":\"report\"");
      assertThat((String) server.invoke(name, "enableTelemetry", null, null)).startsWith("on");
      assertThat(beacon.control().status().mode()).isEqualTo(TelemetryMode.ON);
      assertThat((String) server.invoke(name, "disableTelemetry", null, null)).startsWith("off");
    } finally {
      beacon.close();
    }
    assertThat(server.isRegistered(name)).isFalse();
  }
}
