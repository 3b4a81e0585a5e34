package dev.beacon.sdk;

import dev.beacon.protocol.UiEvents;
import dev.beacon.protocol.Wire;
import dev.beacon.sdk.internal.json.JsonReader;
import dev.beacon.sdk.internal.report.Event;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The product's web UI telemetry, through the product's own backend: {@code beacon.js} posts its
 * page views and events to a path the product mounts (e.g. {@code /telemetry/ui}), and the product
 * hands each request to {@link #accept}. The browser only ever talks to the product it is using;
 * the backend's consent decides (telemetry off: nothing is kept), and UI events go through the same
 * queue, spool, log file and preview as the backend's own, under its installation id, with {@code
 * context.library.name = "beacon-js"}.
 *
 * <p>The page is not trusted (the script is public): the relay keeps only page views named by a
 * route template ({@code /services/[id]}: no query, fragment, address, e-mail or id-like segment)
 * and events with snake-case names and at most {@value UiEvents#MAX_PROPERTIES} short properties,
 * at most {@value #MAX_EVENTS_PER_REQUEST} events a request of at most {@value #MAX_BODY_BYTES}
 * bytes, and {@value #EVENTS_PER_MINUTE_PER_TAB} events a minute per tab. Anything else refuses the
 * request as a whole.
 *
 * @since 0.2.0
 */
public final class UiRelay {
  /** Largest request body read. */
  public static final int MAX_BODY_BYTES = 8 * 1024;

  static final int MAX_EVENTS_PER_REQUEST = 20;
  static final int EVENTS_PER_MINUTE_PER_TAB = 120;
  private static final int MAX_TABS = 10_000;

  private static final Pattern TAB = Pattern.compile("[0-9a-f]{8,32}");

  private final Beacon beacon;
  private final Map<String, long[]> tabs = new ConcurrentHashMap<>();

  UiRelay(Beacon beacon) {
    this.beacon = beacon;
  }

  /**
   * Takes one request of {@code beacon.js}. Never throws, never blocks past reading the body.
   *
   * @param contentType the request's {@code Content-Type} ({@code text/plain} from {@code
   *     sendBeacon}, or {@code application/json})
   * @param body the request body (read up to {@link #MAX_BODY_BYTES} + 1 bytes)
   * @return the HTTP status to answer, with no body: 204 taken (or telemetry is off: nothing kept),
   *     400 not what {@code beacon.js} sends, 413 too large, 415 another media type, 429 too many
   *     events from one tab
   */
  public int accept(String contentType, InputStream body) {
    try {
      String type =
          contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
      if (!type.equals("text/plain") && !type.equals("application/json")) {
        return 415;
      }
      byte[] bytes = body.readNBytes(MAX_BODY_BYTES + 1);
      if (bytes.length > MAX_BODY_BYTES) {
        return 413;
      }
      List<Event> events = events(utf8(bytes));
      if (events == null) {
        return 400;
      }
      if (events == TOO_MANY) {
        return 429;
      }
      if (!beacon.collecting()) {
        return 204; // the backend's consent decides: nothing is kept, and the page needs no more
      }
      for (Event e : events) {
        beacon.offerUi(e);
      }
      return 204;
    } catch (IOException | RuntimeException e) {
      return 400;
    }
  }

  /**
   * What the page's script tag is to say in {@code data-mode}: the backend's consent now ({@code
   * on}, {@code local} or {@code off}), so that the page of a backend that sends nothing sends
   * nothing either, not even to the relay.
   */
  public String scriptMode() {
    return beacon.control().status().mode().name().toLowerCase(Locale.ROOT);
  }

  /** {@code beacon.js}, to serve at a path of the product's own: it is in this jar. */
  public static byte[] script() {
    try (InputStream in = UiRelay.class.getResourceAsStream("beacon.js")) {
      if (in == null) {
        throw new IllegalStateException("beacon.js is missing from the SDK's jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What {@link #events} answers for a tab past its rate. */
  private static final List<Event> TOO_MANY = new ArrayList<>();

  /**
   * The request's events, each checked; null when anything in it is not as beacon.js sends, {@link
   * #TOO_MANY} past the tab's rate.
   */
  private List<Event> events(String json) {
    Object parsed = JsonReader.parse(json);
    if (!(parsed instanceof Map)) {
      return null;
    }
    Map<?, ?> request = (Map<?, ?>) parsed;
    Object tab = request.get("tab");
    Object list = request.get("events");
    if (!Long.valueOf(1).equals(request.get("v"))
        || !(tab instanceof String)
        || !TAB.matcher((String) tab).matches()
        || !(list instanceof List)
        || ((List<?>) list).isEmpty()
        || ((List<?>) list).size() > MAX_EVENTS_PER_REQUEST) {
      return null;
    }
    long now = System.currentTimeMillis();
    List<Event> out = new ArrayList<>();
    for (Object item : (List<?>) list) {
      Event e = event(item, now);
      if (e == null) {
        return null;
      }
      out.add(e);
    }
    return admit((String) tab, out.size(), now) ? out : TOO_MANY;
  }

  private static Event event(Object item, long now) {
    if (!(item instanceof Map)) {
      return null;
    }
    Map<?, ?> m = (Map<?, ?>) item;
    Object t = m.get("t");
    if (Wire.TYPE_PAGE.equals(t)) {
      Object route = m.get("r");
      if (m.size() != 2
          || !(route instanceof String)
          || !UiEvents.isRouteTemplate((String) route)) {
        return null;
      }
      return Event.ui(Wire.TYPE_PAGE, (String) route, Map.of("route", route), now);
    }
    Object name = m.get("e");
    if (!Wire.TYPE_TRACK.equals(t)
        || !(name instanceof String)
        || !UiEvents.isEventName((String) name)) {
      return null;
    }
    Object p = m.get("p");
    Map<String, Object> properties = new LinkedHashMap<>();
    if (p != null) {
      if (!(p instanceof Map) || ((Map<?, ?>) p).size() > UiEvents.MAX_PROPERTIES) {
        return null;
      }
      for (Map.Entry<?, ?> f : ((Map<?, ?>) p).entrySet()) {
        String key = (String) f.getKey();
        Object v = f.getValue();
        if (!UiEvents.isPropertyKey(key) || !value(v)) {
          return null;
        }
        properties.put(key, v);
      }
    }
    return Event.ui(Wire.TYPE_TRACK, (String) name, properties, now);
  }

  private static boolean value(Object v) {
    if (v instanceof Boolean || v instanceof Long) {
      return true;
    }
    if (v instanceof Double) {
      return !((Double) v).isNaN() && !((Double) v).isInfinite();
    }
    if (!(v instanceof String)) {
      return false;
    }
    return UiEvents.isPropertyText((String) v);
  }

  /** At most {@value #EVENTS_PER_MINUTE_PER_TAB} events a minute from one tab. */
  private boolean admit(String tab, int n, long now) {
    if (tabs.size() > MAX_TABS) {
      tabs.clear(); // a bound against a page inventing tabs; the per-minute rate restarts
    }
    long[] window = tabs.computeIfAbsent(tab, k -> new long[] {now, 0});
    synchronized (window) {
      if (now - window[0] >= 60_000) {
        window[0] = now;
        window[1] = 0;
      }
      if (window[1] + n > EVENTS_PER_MINUTE_PER_TAB) {
        return false;
      }
      window[1] += n;
      return true;
    }
  }

  private static String utf8(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }
}
