package dev.beacon.sdk.internal.json;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the fuzz targets share: a strict reference parser, and values compared as JSON compares. */
final class FuzzedValues {
  private FuzzedValues() {}

  /** Jackson as strictly as JSON: one document, no repeated key when asked, nothing lenient. */
  static final JsonMapper STRICT =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  static final JsonMapper STRICT_NO_DUPLICATES =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  /**
   * A value as JSON sees it: maps, lists, strings, booleans, null, and numbers as {@link
   * BigDecimal} without trailing zeros (so {@code 2}, {@code 2.0} and {@code 2e0} are one value).
   */
  static Object canonical(Object v) {
    if (v instanceof Map) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        m.put(String.valueOf(e.getKey()), canonical(e.getValue()));
      }
      return m;
    }
    if (v instanceof List) {
      List<Object> l = new ArrayList<>();
      for (Object o : (List<?>) v) {
        l.add(canonical(o));
      }
      return l;
    }
    if (v instanceof Double d) {
      return Double.isFinite(d) ? new BigDecimal(d).stripTrailingZeros() : v;
    }
    if (v instanceof Long || v instanceof Integer) {
      return BigDecimal.valueOf(((Number) v).longValue()).stripTrailingZeros();
    }
    if (v instanceof BigInteger bigInteger) {
      return new BigDecimal(bigInteger).stripTrailingZeros();
    }
    return v;
  }

  /** A Jackson tree in the same canonical form. */
  static Object canonical(JsonNode n) {
    if (n.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        m.put(e.getKey(), canonical(e.getValue()));
      }
      return m;
    }
    if (n.isArray()) {
      List<Object> l = new ArrayList<>();
      n.forEach(x -> l.add(canonical(x)));
      return l;
    }
    if (n.isTextual()) {
      return n.textValue();
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    if (n.isNull()) {
      return null;
    }
    if (n.isFloatingPointNumber()) {
      double d = n.doubleValue();
      return Double.isFinite(d) ? new BigDecimal(d).stripTrailingZeros() : (Object) d;
    }
    return new BigDecimal(n.bigIntegerValue()).stripTrailingZeros();
  }

  /** Nesting of containers: 0 for a scalar, 1 for {@code []}. */
  static int depth(JsonNode n) {
    int max = 0;
    for (JsonNode child : n) {
      max = Math.max(max, depth(child));
    }
    return n.isContainerNode() ? max + 1 : 0;
  }
}
