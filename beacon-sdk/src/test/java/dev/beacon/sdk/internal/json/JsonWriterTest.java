package dev.beacon.sdk.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.Limits;
import dev.beacon.sdk.TestCollector;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
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
    m.put("big", new BigInteger("123456789012345678901234567890"));
    m.put("adder", new AtomicLong(7));
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
    m.put("big", new BigInteger("9".repeat(150)));
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

  /** Security audit 2026-12, H3: a value that contains itself is written once, not k^16 times. */
  @Test
  void containersThatHoldThemselvesAreCutAsCycles() throws Exception {
    List<Object> list = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      list.add(list);
    }
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < 8; i++) {
      map.put("self" + i, map);
    }
    map.put("list", list);
    String json = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> JsonWriter.toJson(map));
    JsonNode n = TestCollector.JSON.readTree(json);
    assertThat(n.get("self0").asText()).isEqualTo(JsonWriter.CYCLE);
    assertThat(n.get("list").size()).isEqualTo(10);
    assertThat(n.get("list").get(0).asText()).isEqualTo(JsonWriter.CYCLE);
    assertThat(json.length()).isLessThan(500);
  }

  /** A shared value that is not a cycle is written wherever it appears. */
  @Test
  void aValueSharedWithoutACycleIsWrittenEachTime() throws Exception {
    Map<String, Object> shared = Map.of("k", 1);
    JsonNode n = parse(List.of(shared, shared, List.of(shared)));
    assertThat(n.toString()).isEqualTo("[{\"k\":1},{\"k\":1},[{\"k\":1}]]");
  }

  /**
   * Security audit 2026-12, H3: a map shared a thousand times, or a DAG of sixteen levels of three
   * shared children (3^16 leaves), would build hundreds of megabytes; the budget stops the writer
   * after about one message's worth of work.
   */
  @Test
  void sharedReferencesStopAtTheBudgetInsteadOfExpanding() {
    Map<String, Object> big = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      big.put("key" + i, "v".repeat(100));
    }
    List<Object> thousand = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      thousand.add(big);
    }
    Object dag = "leaf";
    for (int level = 0; level < 16; level++) {
      dag = List.of(dag, dag, dag);
    }
    for (Object hostile : List.of(thousand, dag)) {
      StringBuilder sb = new StringBuilder();
      JsonWriter w = new JsonWriter(sb, s -> s, Limits.MAX_EVENT_BYTES);
      assertTimeoutPreemptively(
          Duration.ofSeconds(5),
          () -> assertThatThrownBy(() -> w.value(hostile)).isInstanceOf(JsonWriter.TooLarge.class));
      // Stopped within one string's worth past the budget (a string is cut at 8192 chars,
      // escaped at most 6 chars each).
      assertThat(sb.length()).isLessThanOrEqualTo(Limits.MAX_EVENT_BYTES + 6 * 8192 + 16);
    }
  }

  @Test
  void aValueWithinTheBudgetIsWrittenWhole() throws Exception {
    StringBuilder sb = new StringBuilder("prefix:");
    new JsonWriter(sb, s -> s, 10).value("0123456");
    assertThat(sb.toString()).isEqualTo("prefix:\"0123456\"");
    assertThatThrownBy(() -> new JsonWriter(new StringBuilder(), s -> s, 10).value("01234567890"))
        .isInstanceOf(JsonWriter.TooLarge.class);
    // The last string fits; the bracket that closes the list would not.
    new JsonWriter(new StringBuilder(), s -> s, 6).value(List.of("ab"));
    assertThatThrownBy(() -> new JsonWriter(new StringBuilder(), s -> s, 5).value(List.of("ab")))
        .isInstanceOf(JsonWriter.TooLarge.class);
  }

  /** Found by JsonWriterFuzzTest: two keys that differ in lone surrogates only were repeated. */
  @Test
  void keysThatDifferOnlyInLoneSurrogatesStayApart() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a\uD800", 1);
    m.put("a\uDFFF", 2);
    JsonNode n = TestCollector.JSON.readTree(JsonWriter.toJson(m)); // a repeated key: last wins
    assertThat(n.get("a\uFFFD").asInt()).isEqualTo(1);
    assertThat(n.get("a\uFFFD#2").asInt()).isEqualTo(2);
  }
}
