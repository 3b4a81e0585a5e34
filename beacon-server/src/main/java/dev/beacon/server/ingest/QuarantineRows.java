package dev.beacon.server.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.protocol.Wire;
import dev.beacon.server.ingest.IngestService.Rejected;
import dev.beacon.server.storage.Rejection;
import dev.beacon.server.storage.Write;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the quarantine keeps of a request's refused events: each as a row without personal data or
 * credentials, bounded in number and in size, and the answer that tells the client under which id
 * each was kept.
 */
final class QuarantineRows {
  /** Most refused events of one request kept in quarantine. */
  static final int MAX_QUARANTINED_PER_REQUEST = 100;

  /**
   * Largest quarantine row: an event kept whole up to this, else only its first {@value
   * #RAW_PREVIEW_CHARS} characters (and it cannot be replayed).
   */
  static final int MAX_RAW_CHARS = 96 * 1024;

  static final int RAW_PREVIEW_CHARS = 4096;

  /** Body fields that carry a credential: never kept, not even in quarantine. */
  private static final List<String> CREDENTIALS =
      List.of(Wire.WRITE_KEY, "write_key", "api_key", "apiKey", "token", "password");

  private final ObjectMapper mapper;

  QuarantineRows(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /**
   * The refused events of one request to keep in quarantine, at most {@value
   * #MAX_QUARANTINED_PER_REQUEST} of them (a flood of invalid events is refused and counted, not
   * kept whole); null when none was refused.
   */
  Write.Kept toKeep(
      String product,
      String endpoint,
      List<InvalidEvent> reasons,
      List<JsonNode> items,
      EventMapper.BatchContext context,
      Instant at) {
    if (reasons.isEmpty()) {
      return null;
    }
    int kept = Math.min(reasons.size(), MAX_QUARANTINED_PER_REQUEST);
    List<Rejection> toKeep = new ArrayList<>(kept);
    for (int i = 0; i < kept; i++) {
      toKeep.add(new Rejection(reasons.get(i).getMessage(), raw(endpoint, items.get(i), context)));
    }
    return new Write.Kept(product, at, toKeep);
  }

  /** Each refused event of a request, with the quarantine id it was kept under (0: not kept). */
  static List<Rejected> rejected(
      List<Integer> positions, List<InvalidEvent> reasons, List<JsonNode> items, long[] ids) {
    List<Rejected> out = new ArrayList<>(positions.size());
    for (int i = 0; i < positions.size(); i++) {
      JsonNode item = items.get(i);
      String messageId =
          item.isObject() && item.path(Wire.MESSAGE_ID).isTextual()
              ? item.path(Wire.MESSAGE_ID).asText()
              : null;
      String reason = reasons.get(i).getMessage();
      out.add(
          ids != null && i < ids.length
              ? new Rejected(positions.get(i), messageId, reason, ids[i])
              : new Rejected(
                  positions.get(i),
                  messageId,
                  reason + " (not kept: at most " + MAX_QUARANTINED_PER_REQUEST + " per request)",
                  0));
    }
    return out;
  }

  /**
   * The quarantine row of one refused event: the event without personal data or credentials, and
   * the request's batch context once (bounded), so a replay sees what the event was sent with. A
   * row larger than {@value #MAX_RAW_CHARS} keeps only a preview.
   */
  private String raw(String endpoint, JsonNode item, EventMapper.BatchContext context) {
    ObjectNode wrapper = mapper.createObjectNode();
    wrapper.put("endpoint", endpoint);
    wrapper.set("event", withoutPersonalData(item));
    if (context.bytes() > 0) {
      wrapper.set("batchContext", context.fields());
    }
    String raw = wrapper.toString();
    if (raw.length() <= MAX_RAW_CHARS) {
      return raw;
    }
    ObjectNode cut = mapper.createObjectNode();
    cut.put("endpoint", endpoint);
    cut.put("truncated", true);
    cut.put("chars", raw.length());
    cut.put("preview", raw.substring(0, RAW_PREVIEW_CHARS));
    return cut.toString();
  }

  /** The raw event without what Beacon never keeps: user ids, traits, addresses, credentials. */
  private static JsonNode withoutPersonalData(JsonNode item) {
    if (!item.isObject()) {
      return item;
    }
    ObjectNode copy = ((ObjectNode) item).deepCopy();
    copy.remove("userId");
    copy.remove("traits");
    copy.remove(CREDENTIALS);
    if (copy.get(Wire.CONTEXT) instanceof ObjectNode ctx) {
      copy.set(Wire.CONTEXT, EventMapper.allowListed(ctx, null));
    }
    return copy;
  }
}
