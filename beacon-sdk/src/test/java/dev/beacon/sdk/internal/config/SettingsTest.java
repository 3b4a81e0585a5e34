package dev.beacon.sdk.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class SettingsTest {
  private static Path stateDirectory(Map<String, String> env, Properties sys) {
    Settings.Draft d = new Settings.Draft("acme");
    d.environment = env;
    d.systemProperties = sys;
    return Settings.resolve(d).stateDirectory;
  }

  @Test
  void theStateDirectoryFollowsXdgConfigHomeThenHomeThenTheAccount() {
    Properties sys = new Properties();
    sys.setProperty("user.home", "/account/home");
    assertThat(stateDirectory(Map.of("XDG_CONFIG_HOME", "/xdg"), sys))
        .isEqualTo(Path.of("/xdg/acme/telemetry"));
    assertThat(stateDirectory(Map.of("HOME", "/ci/home"), sys))
        .isEqualTo(Path.of("/ci/home/.config/acme/telemetry"));
    assertThat(stateDirectory(Map.of(), sys))
        .isEqualTo(Path.of("/account/home/.config/acme/telemetry"));
  }
}
