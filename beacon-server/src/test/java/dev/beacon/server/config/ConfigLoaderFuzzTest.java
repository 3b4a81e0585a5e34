package dev.beacon.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fuzzes the configuration loader (issue 10): whatever the environment holds, the server either
 * gets a configuration or a list of problems, each naming a setting; never another exception.
 */
class ConfigLoaderFuzzTest {
  private static final List<String> NAMES =
      List.of(
          "BEACON_SERVER__PORT",
          "BEACON_SERVER__HOST",
          "BEACON_LIMITS__MAX_DEPTH",
          "BEACON_LIMITS__MAX_EVENT_BYTES",
          "BEACON_LIMITS__EMQX_MAX_BYTES_PER_DAY",
          "BEACON_WRITER__ACK_TIMEOUT",
          "BEACON_WRITER__MAX_QUEUED_BYTES",
          "BEACON_RETENTION__DAYS",
          "BEACON_DEDUP__WINDOW",
          "BEACON_STORAGE__TYPE",
          "BEACON_PRODUCTS__ACME__WRITE_KEY",
          "BEACON_PRODUCTS__",
          "BEACON_COMPAT__EMQX__PRODUCT",
          "BEACON_ADMIN__PASSWORD",
          "BEACON_METRICS__TOKEN",
          "BEACON_SERVER__IDLE_TIMEOUT",
          "BEACON_QUARANTINE__MAX_BYTES_PER_PRODUCT",
          "BEACON_DASHBOARD__MIN_INSTALLATIONS");

  @FuzzTest(maxDuration = "10s")
  void anyEnvironmentGivesAConfigurationOrNamedProblems(FuzzedDataProvider data) {
    Map<String, String> env = new HashMap<>();
    for (int i = data.consumeInt(0, 6); i > 0; i--) {
      String name =
          data.consumeBoolean()
              ? data.pickValue(NAMES)
              : "BEACON_" + data.consumeString(24).toUpperCase(Locale.ROOT);
      env.put(name, data.consumeString(64));
    }
    try {
      ServerConfig c = ConfigLoader.load(null, env, Map.of("data_dir", "target/fuzz-data"));
      assertThat(c.port()).isBetween(0, 65535);
      assertThat(c.limits().maxEventBytes()).isLessThanOrEqualTo(c.limits().maxRequestBytes());
    } catch (InvalidConfigException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }
}
