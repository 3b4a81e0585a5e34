package dev.beacon.sdk.internal.consent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.BeaconBuilder;
import dev.beacon.sdk.ConsentStatus;
import dev.beacon.sdk.TelemetryMode;
import dev.beacon.sdk.TestBeacons;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConsentResolverTest {
  @TempDir Path state;

  private ConsentStatus resolve(
      Map<String, String> env, Properties sys, TelemetryMode toggle, TelemetryMode configured) {
    BeaconBuilder b = TestBeacons.builder(state, null, env, sys);
    if (configured != null) {
      b.configuredMode(configured);
    }
    return new ConsentResolver(TestBeacons.settings(b)).resolve(toggle);
  }

  private ConsentStatus env(String name, String value) {
    return resolve(Map.of(name, value), new Properties(), null, null);
  }

  @ParameterizedTest
  @CsvSource({
    "ACME_TELEMETRY, 0, OFF",
    "ACME_TELEMETRY, false, OFF",
    "ACME_TELEMETRY, off, OFF",
    "ACME_TELEMETRY, OFF, OFF",
    "ACME_TELEMETRY, local, LOCAL",
    "ACME_TELEMETRY, on, ON",
    "ACME_TELEMETRY, 1, ON",
    "ACME_TELEMETRY__ENABLE, false, OFF",
    "ACME_TELEMETRY__ENABLE, true, ON",
    "DO_NOT_TRACK, 1, OFF",
    "DO_NOT_TRACK, true, OFF",
  })
  void environmentVariablesDecideTheMode(String name, String value, TelemetryMode expected) {
    ConsentStatus s = env(name, value);
    assertThat(s.mode()).isEqualTo(expected);
    assertThat(s.reason()).contains(name + "=" + value);
  }

  @Test
  void doNotTrackZeroIsNotAnOptOut() {
    assertThat(env("DO_NOT_TRACK", "0").mode()).isEqualTo(TelemetryMode.ON);
  }

  @Test
  void doNotTrackWinsOverEverything() {
    Properties sys = new Properties();
    sys.setProperty("acme.telemetry", "on");
    ConsentStatus s =
        resolve(
            Map.of("DO_NOT_TRACK", "1", "ACME_TELEMETRY", "on", "ACME_TELEMETRY__ENABLE", "true"),
            sys,
            TelemetryMode.ON,
            TelemetryMode.ON);
    assertThat(s.mode()).isEqualTo(TelemetryMode.OFF);
    assertThat(s.reason()).startsWith("DO_NOT_TRACK=1");
  }

  @Test
  void werfVariableWinsOverEmqxVariable() {
    ConsentStatus s =
        resolve(
            Map.of("ACME_TELEMETRY", "local", "ACME_TELEMETRY__ENABLE", "true"),
            new Properties(),
            null,
            null);
    assertThat(s.mode()).isEqualTo(TelemetryMode.LOCAL);
  }

  @Test
  void systemPropertyWinsOverRuntimeToggleAndConfig() {
    Properties sys = new Properties();
    sys.setProperty("acme.telemetry", "false");
    ConsentStatus s = resolve(Map.of(), sys, TelemetryMode.ON, TelemetryMode.ON);
    assertThat(s.mode()).isEqualTo(TelemetryMode.OFF);
    assertThat(s.reason()).isEqualTo("acme.telemetry=false in the system properties");
  }

  @Test
  void runtimeToggleWinsOverTheProductsConfiguration() {
    ConsentStatus s = resolve(Map.of(), new Properties(), TelemetryMode.OFF, TelemetryMode.ON);
    assertThat(s.mode()).isEqualTo(TelemetryMode.OFF);
    assertThat(s.reason()).contains("at runtime");
  }

  @Test
  void productsConfigurationWinsOverItsDefault() {
    ConsentStatus s = resolve(Map.of(), new Properties(), null, TelemetryMode.OFF);
    assertThat(s.mode()).isEqualTo(TelemetryMode.OFF);
    assertThat(s.reason()).isEqualTo("the product's configuration sets telemetry off");
  }

  @Test
  void theProductsConfigurationIsNamedByItsSettingWhenTheProductGivesIt() {
    BeaconBuilder b = TestBeacons.builder(state, null, Map.of(), new Properties());
    b.configuredMode(TelemetryMode.LOCAL, "beacon.mode");
    ConsentStatus s = new ConsentResolver(TestBeacons.settings(b)).resolve(null);
    assertThat(s)
        .isEqualTo(
            new ConsentStatus(
                TelemetryMode.LOCAL, "beacon.mode=local in the product's configuration"));
  }

  @Test
  void theDefaultAppliesWhenNothingIsSet() {
    ConsentStatus s = resolve(Map.of(), new Properties(), null, null);
    assertThat(s)
        .isEqualTo(
            new ConsentStatus(TelemetryMode.ON, "the product's default is on (no setting found)"));
  }

  @Test
  void anUnrecognisedValueTurnsTelemetryOff() {
    ConsentStatus s = env("ACME_TELEMETRY", "maybe");
    assertThat(s.mode()).isEqualTo(TelemetryMode.OFF);
    assertThat(s.reason()).contains("'maybe'").contains("stays off");
  }

  @Test
  void anInvalidEndpointVariableTurnsTelemetryOffAndSaysWhy() {
    ConsentStatus s = env("ACME_TELEMETRY_ENDPOINT", "ftp://example.com");
    assertThat(s.mode()).isEqualTo(TelemetryMode.OFF);
    assertThat(s.reason()).contains("ACME_TELEMETRY_ENDPOINT");
  }

  @Test
  void theEnvironmentPrefixFollowsTheProductOrTheBuilder() {
    BeaconBuilder b =
        TestBeacons.builder(state, null, Map.of("EMQX_TELEMETRY__ENABLE", "false"))
            .envPrefix("EMQX");
    assertThat(new ConsentResolver(TestBeacons.settings(b)).resolve(null).mode())
        .isEqualTo(TelemetryMode.OFF);
  }
}
