package dev.beacon.server.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.protocol.UiEvents;
import dev.beacon.protocol.Wire;
import java.util.Map;
import java.util.Set;

/**
 * What a browser key (beacon.js's direct mode) may write, checked per event by the rules the SDK's
 * relay applies ({@link UiEvents}): the page holding the key is not trusted.
 */
final class BrowserEvents {
  /** Events a browser key may write: a web UI's page views and custom events, nothing else. */
  private static final Set<String> TYPES = Set.of(Wire.TYPE_PAGE, Wire.TYPE_TRACK);

  /** Events of the backends, which a page never sends. */
  private static final Set<String> BACKEND_EVENTS =
      Set.of(Wire.REPORT_EVENT, "CommandStarted", "CommandExited", "command");

  private BrowserEvents() {}

  /**
   * Checks one event of a browser request and, when it passes, makes it what Beacon stores of a web
   * UI: a page view holds only its route template (which names it too), and every event is of
   * library {@code beacon-js}, whatever the page said.
   *
   * @return why the event is refused, or null when it passes
   */
  static String refusal(ObjectNode o, String type) {
    if (!TYPES.contains(type)) {
      return "a browser key writes only page and track events, not '" + type + "'";
    }
    if (BACKEND_EVENTS.contains(o.path(Wire.EVENT).asText())) {
      return "a browser key cannot write the backend's events";
    }
    String wrong = check(o, type);
    if (wrong == null) {
      o.withObject(Wire.CONTEXT).putObject(Wire.LIBRARY).put(Wire.NAME, UiEvents.LIBRARY);
    }
    return wrong;
  }

  /** A page view's route template, kept alone; a custom event's name and properties. */
  private static String check(ObjectNode o, String type) {
    JsonNode props = o.path(Wire.PROPERTIES);
    if (!props.isMissingNode() && !props.isNull() && !props.isObject()) {
      return "properties must be an object";
    }
    if (type.equals(Wire.TYPE_PAGE)) {
      JsonNode route = props.path("route");
      String r = route.isTextual() ? route.textValue() : o.path("name").textValue();
      if (!UiEvents.isRouteTemplate(r)) {
        return "a page view names its route template (such as /services/[id]): no URL, query,"
            + " fragment or id in it";
      }
      o.putObject(Wire.PROPERTIES).put("route", r);
      o.put("name", r);
      o.remove(Wire.EVENT);
      return null;
    }
    if (!UiEvents.isEventName(o.path(Wire.EVENT).textValue())) {
      return "a web UI event's name is snake case (such as login), at most 64 characters";
    }
    if (props.size() > UiEvents.MAX_PROPERTIES) {
      return "a web UI event has at most " + UiEvents.MAX_PROPERTIES + " properties";
    }
    for (Map.Entry<String, JsonNode> f : props.properties()) {
      JsonNode v = f.getValue();
      boolean plain =
          v.isBoolean()
              || (v.isNumber() && Double.isFinite(v.doubleValue()))
              || (v.isTextual() && UiEvents.isPropertyText(v.textValue()));
      if (!UiEvents.isPropertyKey(f.getKey()) || !plain) {
        return "a web UI event's properties are snake-case keys of short plain values (no URL,"
            + " e-mail or id)";
      }
    }
    return null;
  }
}
