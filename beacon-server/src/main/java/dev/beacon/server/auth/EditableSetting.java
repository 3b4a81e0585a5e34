package dev.beacon.server.auth;

import dev.beacon.server.config.SettingSource;

/**
 * A setting that the dashboard can change too. Its value is the configuration's when the command
 * line, the environment or the file set it; else the dashboard's, when an admin changed it; else
 * the default. Only a value an admin changed is kept in {@code products.json}, so a default or a
 * configured value is never frozen there.
 */
final class EditableSetting {
  final String path;
  final String jsonName;
  private final int configured;
  private final SettingSource configuredSource;
  private volatile Integer changed; // by an admin, in the dashboard; null: never

  EditableSetting(String path, String jsonName, int configured, SettingSource configuredSource) {
    this.path = path;
    this.jsonName = jsonName;
    this.configured = configured;
    this.configuredSource = configuredSource;
  }

  int value() {
    Integer c = changed;
    return configuredSource.configured() || c == null ? configured : c;
  }

  SettingSource source() {
    return configuredSource.configured() || changed == null
        ? configuredSource
        : SettingSource.DASHBOARD;
  }

  Integer changedInDashboard() {
    return changed;
  }

  /**
   * A value read back from {@code products.json}. A file of an older Beacon holds both values
   * whether an admin changed them or not: one equal to the configured value means nothing.
   */
  void load(int value, boolean legacy) {
    if (!legacy || value != configured) {
      changed = value;
    }
  }

  /**
   * @throws IllegalStateException when the value would change but the configuration sets it (and
   *     would win again at the next start)
   */
  void checkChange(int value) {
    if (value != value() && configuredSource.configured()) {
      throw new IllegalStateException(
          path
              + " is set by "
              + configuredSource.describe(path)
              + ", which the dashboard does not override; change it there");
    }
  }

  /**
   * An admin's change.
   *
   * @return whether the value changed (and must be saved)
   */
  boolean change(int value) {
    checkChange(value);
    if (value == value()) {
      return false; // the dashboard sends every field: an unchanged one is no change
    }
    changed = value;
    return true;
  }

  /** What the start-up log and console say about it. */
  String report() {
    String line = path + " = " + value() + " (from " + source().describe(path) + ")";
    Integer c = changed;
    if (configuredSource.configured() && c != null && c != configured) {
      line += "; the dashboard's " + c + " in products.json is overridden";
    }
    return line;
  }
}
