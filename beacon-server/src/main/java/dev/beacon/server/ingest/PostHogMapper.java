package dev.beacon.server.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.protocol.Wire;
import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PostHog's capture requests (posthog-js, posthog-server, posthog-python, the v0 endpoints) as
 * Beacon's events, one each.
 *
 * <ul>
 *   <li><b>Request shapes</b>: a bare array of events (older posthog-js, each with {@code
 *       properties.token}), an envelope {@code {api_key|token, batch, sent_at}}, or one event.
 *   <li><b>Token</b>: the envelope's {@code api_key} or {@code token} wins; else every event's
 *       token ({@code token}, {@code $token}, {@code api_key}, {@code properties.token}) and the
 *       query's must agree. None, or two that differ, is a 401.
 *   <li><b>Event</b>: {@code event} is the event (PostHog's own, {@code $pageview} and the like,
 *       keep their names), {@code uuid} (else {@code $insert_id}) the message id, {@code timestamp}
 *       the time, corrected for the sender's clock by {@code sent_at} as PostHog does.
 *   <li><b>Installation</b>: {@code properties.$device_id} (posthog-js's random id, which stays the
 *       same after {@code identify()}), else {@code distinct_id}. A distinct id that looks like an
 *       e-mail address is never stored: without a device id, such an event is refused.
 *   <li><b>Properties</b>: the product's own (names not starting with {@code $}) are kept, less the
 *       token and the distinct id. Of PostHog's {@code $} properties only {@link #KEPT} stay, some
 *       mapped onto the context ({@link #CONTEXT}): library, OS, app version, device type, screen,
 *       locale and timezone. Everything else, {@code $ip}, {@code $set}, {@code $set_once}, {@code
 *       $unset}, {@code $current_url}, {@code $pathname}, {@code $host}, {@code $referrer}, {@code
 *       $initial_*}, {@code $geoip_*}, {@code $elements}, {@code $session_id}, {@code $groups},
 *       ..., is dropped, and so are the page's {@code title} and location on {@code $pageview},
 *       {@code $pageleave} and {@code $screen}. Person and alias events ({@code $identify}, {@code
 *       $create_alias}, {@code $set}, {@code $groupidentify}) keep none of their own properties:
 *       all of them describe a person or a company.
 * </ul>
 */
final class PostHogMapper {
  /** Where a PostHog property goes in the Segment context: [object, field] or [field]. */
  static final Map<String, List<String>> CONTEXT =
      Map.ofEntries(
          Map.entry("$lib", List.of(Wire.LIBRARY, Wire.NAME)),
          Map.entry("$lib_version", List.of(Wire.LIBRARY, Wire.VERSION)),
          Map.entry("$os", List.of("os", "name")),
          Map.entry("$os_name", List.of("os", "name")),
          Map.entry("$os_version", List.of("os", "version")),
          Map.entry("$app_name", List.of(Wire.APP, Wire.NAME)),
          Map.entry("$app_version", List.of(Wire.APP, Wire.VERSION)),
          Map.entry("$app_build", List.of(Wire.APP, "build")),
          Map.entry("$app_namespace", List.of(Wire.APP, "namespace")),
          Map.entry("$device_type", List.of("device", "type")),
          Map.entry("$device_manufacturer", List.of("device", "manufacturer")),
          Map.entry("$device_model", List.of("device", "model")),
          Map.entry("$screen_width", List.of("screen", "width")),
          Map.entry("$screen_height", List.of("screen", "height")),
          Map.entry("$screen_density", List.of("screen", "density")),
          Map.entry("$browser_language", List.of("locale")),
          Map.entry("$locale", List.of("locale")),
          Map.entry("$timezone", List.of("timezone")));

  /** PostHog properties kept as properties, under their own names. */
  static final Set<String> KEPT =
      Set.of(
          "$browser",
          "$browser_version",
          "$viewport_width",
          "$viewport_height",
          "$pageview_id",
          "$prev_pageview_duration",
          "$exception_type",
          "$feature_flag",
          "$feature_flag_response");

  /** Events that carry a person's (or a company's) properties, none of which is kept. */
  static final Set<String> PERSON_EVENTS =
      Set.of("$identify", "$create_alias", "$merge_dangerously", "$set", "$groupidentify");

  /**
   * Events of a page or a screen, whose location properties ({@link EventMapper#PAGE_LOCATION}) go.
   */
  static final Set<String> PAGE_EVENTS = Set.of("$pageview", "$pageleave", "$screen");

  private static final Set<String> TOKEN_FIELDS = Set.of("token", "$token", "api_key");
  private static final Set<String> DISTINCT_ID_FIELDS =
      Set.of("distinct_id", "$distinct_id", "$device_id", "$anon_distinct_id");

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private PostHogMapper() {}

  /** A decoded capture request: its events, the token that authenticates it, its send time. */
  record Request(List<JsonNode> events, String token, Instant sentAt) {}

  /**
   * The events and the token of a capture body.
   *
   * @param queryToken {@code token} or {@code api_key} from the query, or null
   * @param querySentAt {@code _} or {@code sent_at} from the query (milliseconds), or null
   * @param defaultEvent the event of a body that names none ({@code /engage}'s person updates), or
   *     null
   */
  static Request request(
      JsonNode body, String queryToken, String querySentAt, int maxEvents, String defaultEvent) {
    List<JsonNode> events = new ArrayList<>();
    String token = null;
    Instant sentAt = sentAtMillis(querySentAt);
    if (body.isArray()) {
      body.forEach(events::add);
    } else if (body.isObject() && body.has(Wire.BATCH)) {
      JsonNode batch = body.get(Wire.BATCH);
      if (!batch.isArray()) {
        throw new Refusal(Kind.BAD_REQUEST, "invalid_batch", "batch must be an array of events");
      }
      batch.forEach(events::add);
      token = envelopeToken(body);
      Instant at = instant(body.get("sent_at"));
      if (at != null) {
        sentAt = at;
      }
    } else if (body.isObject()) {
      events.add(body);
    } else {
      throw new Refusal(
          Kind.BAD_REQUEST,
          "invalid_batch",
          "the body must be an event, an array of events or {api_key, batch}, not "
              + EventMapper.kind(body));
    }
    if (events.isEmpty()) {
      throw new Refusal(Kind.BAD_REQUEST, "empty_batch", "the batch is empty");
    }
    if (events.size() > maxEvents) {
      throw new Refusal(
          Kind.TOO_LARGE,
          "batch_too_large",
          "the batch has " + events.size() + " events; the limit is " + maxEvents);
    }
    if (defaultEvent != null) {
      for (JsonNode e : events) {
        if (e instanceof ObjectNode o && !o.has(Wire.EVENT)) {
          o.put(Wire.EVENT, defaultEvent);
        }
      }
    }
    if (token == null) {
      token = agreedToken(events, queryToken);
    } else if (queryToken != null && !queryToken.equals(token)) {
      throw conflicting();
    }
    return new Request(events, token, sentAt);
  }

  private static String envelopeToken(JsonNode body) {
    String apiKey = textOrNull(body.get("api_key"));
    String token = textOrNull(body.get("token"));
    if (apiKey != null && token != null && !apiKey.equals(token)) {
      throw conflicting();
    }
    return apiKey != null ? apiKey : token;
  }

  /** Without an envelope token, every event's token and the query's must be one and the same. */
  private static String agreedToken(List<JsonNode> events, String queryToken) {
    String token = queryToken;
    for (JsonNode e : events) {
      List<JsonNode> candidates = new ArrayList<>(4);
      for (String f : TOKEN_FIELDS) {
        candidates.add(e.get(f));
      }
      candidates.add(e.path(Wire.PROPERTIES).get("token"));
      for (JsonNode c : candidates) {
        String t = textOrNull(c);
        if (t == null) {
          continue;
        }
        if (token == null) {
          token = t;
        } else if (!token.equals(t)) {
          throw conflicting();
        }
      }
    }
    return token;
  }

  private static Refusal conflicting() {
    return new Refusal(
        Kind.UNAUTHORIZED,
        "conflicting_tokens",
        "the request carries more than one different project token (api_key, token or"
            + " properties.token); send one");
  }

  /**
   * One PostHog event in the Segment envelope.
   *
   * @param received when the request arrived
   * @param skew how far the sender's clock is behind the server's ({@code received - sent_at}), or
   *     null
   */
  static Translated event(JsonNode e, Instant received, Duration skew) {
    ObjectNode out = F.objectNode();
    out.put(Wire.TYPE, Wire.TYPE_TRACK);
    if (!e.isObject()) {
      return Translated.refused(out, "a PostHog event must be a JSON object, not " + kind(e));
    }
    JsonNode properties = e.path(Wire.PROPERTIES);
    if (!properties.isMissingNode() && !properties.isNull() && !properties.isObject()) {
      return Translated.refused(out, "properties must be an object, not " + kind(properties));
    }
    JsonNode name = e.get(Wire.EVENT);
    if (name != null) {
      out.set(Wire.EVENT, name); // the event mapper checks it: present, text, not too long
    }
    String installation = installation(e, properties);
    if (installation == null) {
      return Translated.refused(
          out,
          "distinct_id is required (a string or a number), and is not stored when it is an e-mail"
              + " address: send $device_id then");
    }
    out.put(Wire.ANONYMOUS_ID, installation);
    JsonNode uuid = e.get("uuid");
    if (uuid == null || uuid.isNull()) {
      uuid = properties.get("$insert_id");
    }
    if (uuid != null && !uuid.isNull()) {
      out.set(Wire.MESSAGE_ID, uuid);
    }
    String problem = timestamp(e, properties, received, skew, out);
    boolean person = name != null && PERSON_EVENTS.contains(name.asText());
    boolean page = name != null && PAGE_EVENTS.contains(name.asText());
    ObjectNode context = out.putObject(Wire.CONTEXT);
    ObjectNode kept = out.putObject(Wire.PROPERTIES);
    for (Map.Entry<String, JsonNode> p : properties.properties()) {
      String key = p.getKey();
      JsonNode v = p.getValue();
      List<String> at = CONTEXT.get(key);
      if (at != null) {
        if (v.isValueNode() && !v.isNull()) {
          ObjectNode into = at.size() == 1 ? context : context.withObject(at.get(0));
          if (!into.has(at.get(at.size() - 1))) {
            into.set(at.get(at.size() - 1), v);
          }
        }
      } else if (KEPT.contains(key)) {
        kept.set(key, v);
      } else if (!person
          && !key.startsWith("$")
          && !key.equals("token")
          && !DISTINCT_ID_FIELDS.contains(key)
          && !(page && EventMapper.PAGE_LOCATION.contains(key))) {
        kept.set(key, v);
      }
    }
    return problem == null ? Translated.of(out) : Translated.refused(out, problem);
  }

  /** The device id, else the distinct id; null when there is none, or only an e-mail address. */
  private static String installation(JsonNode e, JsonNode properties) {
    String device = idText(properties.get("$device_id"));
    if (device != null && !looksLikeEmail(device)) {
      return device;
    }
    for (JsonNode candidate :
        new JsonNode[] {
          e.get("distinct_id"), e.get("$distinct_id"), properties.get("distinct_id")
        }) {
      String id = idText(candidate);
      if (id != null) {
        return looksLikeEmail(id) ? null : id;
      }
    }
    return null;
  }

  /**
   * An {@code @} with something before it and a dot after it: perhaps an e-mail address, so never
   * stored (linear in the length, whatever the text).
   */
  static boolean looksLikeEmail(String s) {
    int at = s.indexOf('@');
    return at > 0 && s.indexOf('.', at + 2) > 0;
  }

  /** A distinct id as PostHog reads one: text or a number, trimmed. */
  private static String idText(JsonNode n) {
    if (n == null || !(n.isTextual() || n.isIntegralNumber())) {
      return null;
    }
    String s = n.asText().strip();
    return s.isEmpty() ? null : s;
  }

  /**
   * The event's time: {@code timestamp} (ISO-8601), else {@code properties.$time} (seconds), moved
   * by the sender's clock skew; PostHog's {@code offset} (milliseconds before sending) too.
   *
   * @return why the time cannot be read, or null
   */
  private static String timestamp(
      JsonNode e, JsonNode properties, Instant received, Duration skew, ObjectNode out) {
    JsonNode t = e.get(Wire.TIMESTAMP);
    Instant at = null;
    if (t != null && !t.isNull()) {
      at = instant(t);
      if (at == null) {
        out.set(Wire.TIMESTAMP, t);
        return "timestamp must be an ISO-8601 string such as 2026-12-02T10:00:00Z";
      }
    } else if (properties.path("$time").isNumber()) {
      double seconds = properties.path("$time").asDouble();
      if (seconds > 0 && seconds < 253_402_300_800.0) {
        at = Instant.ofEpochMilli((long) (seconds * 1000));
      }
    }
    if (at != null) {
      out.put(Wire.TIMESTAMP, (skew == null ? at : at.plus(skew)).toString());
    } else if (e.path("offset").canConvertToLong()) {
      // posthog-js without a timestamp: the event happened offset ms before it was sent.
      out.put(
          Wire.TIMESTAMP, received.minusMillis(Math.max(0, e.get("offset").asLong())).toString());
    }
    return null;
  }

  /** An ISO-8601 time, or null. */
  static Instant instant(JsonNode t) {
    return t == null || !t.isTextual() ? null : IsoTimes.parse(t.asText());
  }

  /** The query's send time in milliseconds; PostHog ignores values of 2020 or before (seconds). */
  private static Instant sentAtMillis(String ms) {
    if (ms == null) {
      return null;
    }
    try {
      Instant at = Instant.ofEpochMilli(Long.parseLong(ms.strip()));
      return at.isAfter(Instant.parse("2021-01-01T00:00:00Z")) ? at : null;
    } catch (NumberFormatException | DateTimeException e) {
      return null;
    }
  }

  /**
   * The sender's clock skew when it said when it sent; none when it is implausible (a day or more).
   */
  static Duration skew(Instant sentAt, Instant received) {
    if (sentAt == null) {
      return null;
    }
    Duration d = Duration.between(sentAt, received);
    return d.abs().compareTo(Duration.ofDays(1)) >= 0 ? null : d;
  }

  private static String textOrNull(JsonNode n) {
    return n != null && n.isTextual() && !n.asText().isBlank() ? n.asText().strip() : null;
  }

  private static String kind(JsonNode n) {
    return EventMapper.kind(n);
  }
}
