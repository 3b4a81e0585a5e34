package dev.beacon.server.ingest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event of another protocol (OTLP, PostHog) put into the Segment envelope that {@link
 * EventMapper} validates and stores, or, when it could not be, why: such an event is refused like
 * any invalid one (quarantined with its reason, counted in the answer). {@code event} is then what
 * could be translated, never the raw foreign record (which may hold what Beacon does not keep).
 */
record Translated(JsonNode event, String refusal) {
  static Translated of(JsonNode event) {
    return new Translated(event, null);
  }

  static Translated refused(JsonNode partial, String why) {
    return new Translated(partial, why);
  }
}
