package dev.beacon.protocol;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a web UI's event (from {@code beacon.js}) may hold, checked alike by the SDK's relay and by
 * the server's browser-key path, since the page that sends it is never trusted: page views carry a
 * route template ({@code /services/[id]}: no query, fragment, address, e-mail or id-like segment),
 * events a snake-case name and at most {@value #MAX_PROPERTIES} short properties of plain values.
 *
 * @since 0.2.0
 */
public final class UiEvents {
  /** {@code context.library.name} of every web UI event, whichever way it came. */
  public static final String LIBRARY = "beacon-js";

  /** Most properties of one event. */
  public static final int MAX_PROPERTIES = 8;

  private static final Pattern ROUTE = Pattern.compile("/[A-Za-z0-9_\\-./\\[\\]:]{0,199}");
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9_]{0,31}");
  private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9_\\-. :/\\[\\]]{0,64}");

  /** A path segment that is an id rather than part of a template: a number, a UUID, long hex. */
  private static final Pattern ID_SEGMENT =
      Pattern.compile("\\d+|[0-9a-fA-F-]{16,}|(?=.*\\d)[0-9a-zA-Z]{20,}");

  /** Names the backend's own events use: a page cannot send them. */
  private static final Set<String> RESERVED = Set.of(Wire.REPORT_EVENT, "command");

  private UiEvents() {}

  /** A route template: a path of its own characters, no segment an id, no "..". */
  public static boolean isRouteTemplate(String route) {
    if (route == null || !ROUTE.matcher(route).matches()) {
      return false;
    }
    for (String segment : route.split("/", -1)) {
      if (segment.equals("..") || ID_SEGMENT.matcher(segment).matches()) {
        return false;
      }
    }
    return true;
  }

  /** An event name a page may send: snake case, not one of the backend's own. */
  public static boolean isEventName(String name) {
    return name != null && NAME.matcher(name).matches() && !RESERVED.contains(name);
  }

  /** A property key: snake case, at most 32 characters. */
  public static boolean isPropertyKey(String key) {
    return key != null && KEY.matcher(key).matches();
  }

  /** A text property value: short, no URL, not an id. */
  public static boolean isPropertyText(String s) {
    return s != null
        && VALUE.matcher(s).matches()
        && !s.contains("://")
        && !ID_SEGMENT.matcher(s).matches();
  }
}
