package dev.beacon.server.ingest;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.UUID;

/**
 * JSON documents built from a fuzzer's bytes, with the keys the ingest mapping looks at most of the
 * time (so the fuzzer reaches the mapping, not only the parser), hostile keys and values the rest.
 */
final class FuzzedJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private FuzzedJson() {}

  static JsonNode value(FuzzedDataProvider d, List<String> keys, int depth) {
    int kind = d.consumeInt(0, depth <= 0 ? 5 : 7);
    return switch (kind) {
      case 0 -> F.nullNode();
      case 1 -> F.booleanNode(d.consumeBoolean());
      case 2 -> F.numberNode(d.consumeLong());
      case 3 -> F.numberNode(d.consumeDouble());
      case 4 -> F.textNode(uuidOr(d));
      case 5 -> F.textNode(d.consumeString(40));
      case 6 -> {
        ArrayNode a = F.arrayNode();
        for (int i = d.consumeInt(0, 4); i > 0; i--) {
          a.add(value(d, keys, depth - 1));
        }
        yield a;
      }
      default -> object(d, keys, depth - 1);
    };
  }

  static ObjectNode object(FuzzedDataProvider d, List<String> keys, int depth) {
    ObjectNode o = F.objectNode();
    for (int i = d.consumeInt(0, 6); i > 0; i--) {
      String key = d.consumeBoolean() ? d.pickValue(keys) : d.consumeString(12);
      o.set(key, value(d, keys, depth));
    }
    return o;
  }

  private static String uuidOr(FuzzedDataProvider d) {
    return d.consumeBoolean()
        ? new UUID(d.consumeLong(), d.consumeLong()).toString()
        : d.pickValue(
            List.of("2024-05-01T10:00:00Z", "1999-01-01T00:00:00Z", "1e999", "-Infinity", ""));
  }
}
