package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.Limits;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonWriterTest {
  private static JsonNode parse(Object value) throws Exception {
    return TestCollector.JSON.readTree(JsonWriter.toJson(value));
  }

  @Test
  void hostileStringsRoundTripThroughAStrictParser() throws Exception {
    String hostile = "\"quote\" \\back\\ \n\r\t \u0000\u001f \u2028\u2029 </script> \uD83D\uDE00";
    JsonNode n = parse(Map.of("k\"ey", hostile));
    assertThat(n.get("k\"ey").asText()).isEqualTo(hostile);
    assertThat(JsonWriter.toJson(hostile)).doesNotContain("\n", "\u2028");
  }

  @Test
  void loneSurrogatesBecomeReplacementCharacters() throws Exception {
    assertThat(parse("a\uD800b\uDC00c").asText()).isEqualTo("a\uFFFDb\uFFFDc");
  }

  @Test
  void numbersJsonCannotHoldBecomeNull() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nan", Double.NaN);
    m.put("inf", Float.NEGATIVE_INFINITY);
    m.put("whole", 2.0);
    m.put("half", 0.5);
    m.put("big", new java.math.BigInteger("123456789012345678901234567890"));
    m.put("adder", new java.util.concurrent.atomic.AtomicLong(7));
    assertThat(JsonWriter.toJson(m))
        .isEqualTo(
            "{\"nan\":null,\"inf\":null,\"whole\":2,\"half\":0.5,"
                + "\"big\":123456789012345678901234567890,\"adder\":7}");
  }

  @Test
  void deepNestingIsCutAndStaysValid() throws Exception {
    Object deep = "bottom";
    for (int i = 0; i < 10_000; i++) {
      deep = List.of(deep);
    }
    JsonNode n = parse(deep);
    int depth = 0;
    while (n.isArray()) {
      n = n.get(0);
      depth++;
    }
    assertThat(depth).isEqualTo(JsonWriter.MAX_DEPTH);
    assertThat(n.asText()).isEqualTo("[too deep]");
  }

  @Test
  void keysThatRedactionOrTheCutMakeEqualStayApartAndHugeNumbersBecomeText() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("host-a.example", 1);
    m.put("host-b.example", 2);
    m.put("k".repeat(5000), 3);
    m.put("k".repeat(5001), 4);
    m.put("big", new java.math.BigInteger("9".repeat(150)));
    StringBuilder sb = new StringBuilder();
    new JsonWriter(sb, s -> s.startsWith("host") ? "[redacted]" : s).value(m);
    JsonNode n = TestCollector.JSON.readTree(sb.toString()); // no duplicate key, so it parses
    assertThat(n.get("[redacted]").asInt()).isEqualTo(1);
    assertThat(n.get("[redacted]#2").asInt()).isEqualTo(2);
    assertThat(n.size()).isEqualTo(5);
    n.fieldNames()
        .forEachRemaining(k -> assertThat(k.length()).isLessThanOrEqualTo(Limits.MAX_KEY_CHARS));
    assertThat(n.get("big").isTextual()).isTrue();
  }

  @Test
  void longStringsAndHugeCollectionsAreCut() throws Exception {
    assertThat(parse("x".repeat(100_000)).asText()).hasSize(Limits.MAX_STRING_CHARS);
    List<Integer> many = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      many.add(i);
    }
    assertThat(parse(many).size()).isEqualTo(JsonWriter.MAX_ITEMS);
    assertThat(parse(new int[] {1, 2, 3}).toString()).isEqualTo("[1,2,3]");
  }
}
