package dev.beacon.sdk.internal.consent;

import dev.beacon.sdk.ConsentStatus;
import dev.beacon.sdk.TelemetryControl;
import dev.beacon.sdk.TelemetryMode;
import dev.beacon.sdk.internal.config.ModeNames;
import dev.beacon.sdk.internal.config.Settings;
import java.util.Map;
import java.util.Properties;

/**
 * The one place that decides the telemetry mode. Checked in this order; the first setting present
 * decides:
 *
 * <ol>
 *   <li>the product's own master switch ({@code BeaconBuilder.disabled}: off, never overridden);
 *   <li>{@code DO_NOT_TRACK} set to anything but {@code 0}/{@code false} (off, never overridden);
 *   <li>{@code <PREFIX>_TELEMETRY} ({@code on|off|local|true|false|1|0}, as werf);
 *   <li>{@code <PREFIX>_TELEMETRY__ENABLE} (as EMQX);
 *   <li>the system property {@code <product>.telemetry};
 *   <li>the runtime toggle persisted in the state directory ({@link TelemetryControl#enable()});
 *   <li>the product's configuration value;
 *   <li>the product's default.
 * </ol>
 *
 * An unrecognised value in an operator's setting, or an invalid endpoint, log file or CA file in
 * the environment, turns telemetry off: a typo must never enable it.
 */
final class ConsentResolver {
  private final Settings settings;

  ConsentResolver(Settings settings) {
    this.settings = settings;
  }

  ConsentStatus resolve(TelemetryMode persistedToggle) {
    if (settings.disabledBy != null) {
      return new ConsentStatus(TelemetryMode.OFF, settings.disabledBy);
    }
    Map<String, String> env = settings.environment;
    String dnt = env.get("DO_NOT_TRACK");
    if (dnt != null && !dnt.isBlank() && ModeNames.parse(dnt) != TelemetryMode.OFF) {
      return new ConsentStatus(
          TelemetryMode.OFF, "DO_NOT_TRACK=" + dnt.strip() + " is set in the environment");
    }
    if (!settings.problems.isEmpty()) {
      return new ConsentStatus(
          TelemetryMode.OFF, "invalid setting: " + String.join("; ", settings.problems));
    }
    String p = settings.envPrefix;
    ConsentStatus s = fromSetting(p + "_TELEMETRY", env.get(p + "_TELEMETRY"), "the environment");
    if (s != null) {
      return s;
    }
    s = fromSetting(p + "_TELEMETRY__ENABLE", env.get(p + "_TELEMETRY__ENABLE"), "the environment");
    if (s != null) {
      return s;
    }
    Properties sys = settings.systemProperties;
    String prop = settings.product + ".telemetry";
    s = fromSetting(prop, sys.getProperty(prop), "the system properties");
    if (s != null) {
      return s;
    }
    if (persistedToggle != null) {
      return new ConsentStatus(
          persistedToggle,
          "set to "
              + ModeNames.label(persistedToggle)
              + " at runtime (persisted in the state directory)");
    }
    if (settings.configuredMode != null) {
      String label = ModeNames.label(settings.configuredMode);
      return new ConsentStatus(
          settings.configuredMode,
          settings.configuredModeSetting == null
              ? "the product's configuration sets telemetry " + label
              : settings.configuredModeSetting + "=" + label + " in the product's configuration");
    }
    return new ConsentStatus(
        settings.defaultMode,
        "the product's default is "
            + ModeNames.label(settings.defaultMode)
            + " (no setting found)");
  }

  private static ConsentStatus fromSetting(String name, String value, String where) {
    if (value == null || value.isBlank()) {
      return null;
    }
    TelemetryMode mode = ModeNames.parse(value);
    if (mode == null) {
      return new ConsentStatus(
          TelemetryMode.OFF,
          name
              + "='"
              + value.strip()
              + "' in "
              + where
              + " is not on, off or local; telemetry stays off");
    }
    return new ConsentStatus(mode, name + "=" + value.strip() + " in " + where);
  }
}
