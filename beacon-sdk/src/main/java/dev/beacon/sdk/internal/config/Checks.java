package dev.beacon.sdk.internal.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks {@code BeaconBuilder}'s setters make, each naming the setting in its message; the
 * endpoint's is also applied to the operator's {@code <PREFIX>_TELEMETRY_ENDPOINT}.
 */
public final class Checks {
  static final Pattern SECTION = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  static final Set<String> RESERVED_SECTIONS =
      Set.of(
          "uuid",
          "cluster_uuid",
          "nodes_uuid",
          "version",
          "edition",
          "os_name",
          "os_version",
          "arch",
          "up_time",
          "jvm_version",
          "jvm_vendor",
          "build_info",
          "vm_specs",
          "jvm",
          "container",
          "active_plugins",
          "config_keys",
          "rates",
          "rate_window_seconds",
          "failed_sections");

  private Checks() {}

  public static String requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }

  public static void requireSectionName(String name, String what) {
    if (name == null || !SECTION.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what + " name must be lower case letters, digits or '_': '" + name + "'");
    }
    if (RESERVED_SECTIONS.contains(name)) {
      throw new IllegalArgumentException(
          what + " name '" + name + "' is a built-in report field; choose another");
    }
  }

  /** An http or https URL with a host: the endpoint, whether set in code or by the operator. */
  public static URI requireEndpoint(URI endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    String scheme = endpoint.getScheme();
    if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException("endpoint must be an http or https URL: " + endpoint);
    }
    if (endpoint.getHost() == null) {
      throw new IllegalArgumentException("endpoint has no host: " + endpoint);
    }
    return endpoint;
  }

  public static long requireSpoolBytes(long bytes) {
    if (bytes < 64 * 1024) {
      throw new IllegalArgumentException("maxSpoolBytes must be at least 65536: " + bytes);
    }
    return bytes;
  }

  public static Duration requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
    return d;
  }

  public static Duration requireNonNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + d);
    }
    return d;
  }
}
