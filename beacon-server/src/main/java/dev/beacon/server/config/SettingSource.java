package dev.beacon.server.config;

import java.util.Locale;

/**
 * Where a setting's value came from, strongest first. The dashboard's values ({@code
 * products.json}) rank below every configuration source: an operator's environment or file always
 * wins, and the dashboard refuses to change what they set.
 */
public enum SettingSource {
  COMMAND_LINE,
  ENVIRONMENT,
  FILE,
  DASHBOARD,
  DEFAULT;

  /** Set by the operator's configuration: the dashboard may not change it. */
  public boolean configured() {
    return this == COMMAND_LINE || this == ENVIRONMENT || this == FILE;
  }

  /** A short name, for the API: {@code environment}, {@code dashboard}, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  /** Where exactly, for people: {@code environment (BEACON_RETENTION__DAYS)}. */
  public String describe(String path) {
    return switch (this) {
      case COMMAND_LINE -> "the command line";
      case ENVIRONMENT ->
          "the environment (BEACON_" + path.toUpperCase(Locale.ROOT).replace(".", "__") + ")";
      case FILE -> "the configuration file";
      case DASHBOARD -> "the dashboard (products.json)";
      case DEFAULT -> "the default";
    };
  }
}
