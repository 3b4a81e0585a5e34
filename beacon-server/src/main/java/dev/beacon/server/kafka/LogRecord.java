package dev.beacon.server.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.beacon.server.storage.Rejection;
import dev.beacon.server.storage.StoredEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * What travels through the topic, one record each: an accepted event, a refused one for the
 * quarantine, a quarantined event released by a replay, or an installation's erasure. The value is
 * JSON ({@code "k"} says which); the key is the product and, where there is one, the installation,
 * so that one installation's records (its erasure included) stay in order in one partition.
 */
sealed interface LogRecord {
  /** Version of the value's shape: a sink refuses (quarantines) what it does not know. */
  int VERSION = 1;

  record Event(StoredEvent event) implements LogRecord {}

  record Kept(String product, Instant receivedAt, Rejection rejection) implements LogRecord {}

  record Released(String product, long id) implements LogRecord {}

  record Erase(String product, String installation, String actor) implements LogRecord {}

  JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(16 << 20).build())
          .build();
  ObjectMapper READER = JsonMapper.builder(JSON).build();

  static byte[] key(String product, String installation) {
    return (installation == null ? product : product + '\u0000' + installation)
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The product a key names (what a record that cannot be read is quarantined under). */
  static String productOf(byte[] key) {
    if (key == null) {
      return "(unknown)";
    }
    String k = new String(key, StandardCharsets.UTF_8);
    int nul = k.indexOf('\u0000');
    String p = nul < 0 ? k : k.substring(0, nul);
    return p.isEmpty() || p.length() > 64 ? "(unknown)" : p;
  }

  static byte[] value(LogRecord r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", VERSION);
      switch (r) {
        case Event(StoredEvent e) -> {
          g.writeStringField("k", "event");
          g.writeStringField("product", e.product());
          g.writeStringField("message_id", e.messageId());
          g.writeStringField("type", e.type());
          g.writeStringField("event", e.event());
          g.writeStringField("installation_id", e.installationId());
          g.writeStringField("cluster_id", e.clusterId());
          g.writeStringField("ts", e.timestamp().toString());
          g.writeStringField("received_at", e.receivedAt().toString());
          g.writeStringField("version", e.version());
          g.writeStringField("os", e.os());
          g.writeStringField("arch", e.arch());
          g.writeStringField("runtime", e.runtime());
          g.writeStringField("library", e.library());
          g.writeStringField("properties", e.properties());
          g.writeStringField("context", e.context());
        }
        case Kept(String product, Instant at, Rejection rejection) -> {
          g.writeStringField("k", "kept");
          g.writeStringField("product", product);
          g.writeStringField("received_at", at.toString());
          g.writeStringField("reason", rejection.reason());
          g.writeStringField("raw", rejection.raw());
        }
        case Released(String product, long id) -> {
          g.writeStringField("k", "released");
          g.writeStringField("product", product);
          g.writeNumberField("id", id);
        }
        case Erase(String product, String installation, String actor) -> {
          g.writeStringField("k", "erase");
          g.writeStringField("product", product);
          g.writeStringField("installation", installation);
          g.writeStringField("actor", actor);
        }
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Reads a record's value.
   *
   * @throws IllegalArgumentException naming what is wrong with it (the sink quarantines it)
   */
  static LogRecord read(byte[] value) {
    if (value == null) {
      throw new IllegalArgumentException("an empty record");
    }
    JsonNode n;
    try {
      n = READER.readTree(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON");
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    if (n.path("v").asInt() != VERSION) {
      throw new IllegalArgumentException("unknown version " + n.path("v"));
    }
    String product = required(n, "product");
    try {
      return switch (n.path("k").asText()) {
        case "event" ->
            new Event(
                new StoredEvent(
                    product,
                    required(n, "message_id"),
                    required(n, "type"),
                    text(n, "event"),
                    text(n, "installation_id"),
                    text(n, "cluster_id"),
                    Instant.parse(required(n, "ts")),
                    Instant.parse(required(n, "received_at")),
                    text(n, "version"),
                    text(n, "os"),
                    text(n, "arch"),
                    text(n, "runtime"),
                    text(n, "library"),
                    text(n, "properties"),
                    text(n, "context")));
        case "kept" ->
            new Kept(
                product,
                Instant.parse(required(n, "received_at")),
                new Rejection(required(n, "reason"), required(n, "raw")));
        case "released" -> new Released(product, n.path("id").asLong());
        case "erase" -> new Erase(product, required(n, "installation"), required(n, "actor"));
        default ->
            throw new IllegalArgumentException("unknown kind '" + n.path("k").asText() + "'");
      };
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("a time that is not ISO-8601");
    }
  }

  private static String required(JsonNode n, String field) {
    String v = text(n, field);
    if (v == null) {
      throw new IllegalArgumentException(field + " is missing");
    }
    return v;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
