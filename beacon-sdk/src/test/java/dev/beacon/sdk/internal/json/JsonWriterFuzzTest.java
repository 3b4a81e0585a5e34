package dev.beacon.sdk.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.Limits;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fuzzes the SDK's JSON writer with what a product may pass to {@code track()}: nested maps and
 * lists (shared, and holding themselves), arrays, strings of any chars and length, numbers of every
 * kind, under a redactor that makes keys collide and a budget. The writer either stops with {@link
 * JsonWriter.TooLarge} (the one documented exception) or writes valid JSON without a repeated key,
 * within its budget and limits, that reads back as the value it was given (with its documented
 * cuts), to a strict reference parser and to the SDK's own reader alike.
 */
class JsonWriterFuzzTest {
  /** What the writer may append past its budget before it notices: one cut, escaped string. */
  private static final int OVERSHOOT = 6 * Limits.MAX_STRING_CHARS + 6 * Limits.MAX_KEY_CHARS + 64;

  /** A redactor's stand-in (the writer takes any): it makes keys collide. */
  private static String redact(String s) {
    return s.startsWith("h") ? "[redacted]" : s;
  }

  @FuzzTest(maxDuration = "10s")
  void anyValueIsWrittenAsValidJsonWithinTheBudgetOrStoppedAsTooLarge(FuzzedDataProvider data)
      throws Exception {
    int budget = data.consumeInt(2, Limits.MAX_EVENT_BYTES);
    Object value = new Builder(data).value(0);
    StringBuilder out = new StringBuilder();
    try {
      new JsonWriter(out, JsonWriterFuzzTest::redact, budget).value(value);
    } catch (JsonWriter.TooLarge stopped) {
      assertThat(out.length()).isBetween(budget + 1, budget + OVERSHOOT);
      return;
    }
    String json = out.toString();
    assertThat(json.length()).isLessThanOrEqualTo(budget);
    JsonNode n = FuzzedValues.STRICT_NO_DUPLICATES.readTree(json);
    assertThat(FuzzedValues.depth(n)).isLessThanOrEqualTo(JsonWriter.MAX_DEPTH);
    assertWithinLimits(n);
    Object expected = new Model().of(value, 0);
    assertThat(FuzzedValues.canonical(n)).isEqualTo(expected);
    assertThat(FuzzedValues.canonical(JsonReader.parse(json))).isEqualTo(expected);
  }

  private static void assertWithinLimits(JsonNode n) {
    if (n.isTextual()) {
      assertThat(n.textValue().length()).isLessThanOrEqualTo(Limits.MAX_STRING_CHARS);
    }
    assertThat(n.size()).isLessThanOrEqualTo(JsonWriter.MAX_ITEMS);
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      assertThat(e.getKey().length()).isLessThanOrEqualTo(Limits.MAX_KEY_CHARS);
    }
    n.forEach(JsonWriterFuzzTest::assertWithinLimits);
  }

  /** Builds a product value; containers may be put again anywhere, their ancestors included. */
  private static final class Builder {
    private final FuzzedDataProvider data;
    private final List<Object> containers = new ArrayList<>();
    private int budget = 300; // nodes, so that one input stays fast

    Builder(FuzzedDataProvider data) {
      this.data = data;
    }

    Object value(int depth) {
      if (budget-- <= 0 || data.remainingBytes() == 0) {
        return null;
      }
      switch (data.consumeInt(0, depth > 20 ? 9 : 12)) {
        case 0 -> {
          return null;
        }
        case 1 -> {
          return data.consumeBoolean();
        }
        case 2 -> {
          return data.consumeString(40);
        }
        case 3 -> {
          return data.pickValue(List.of("h", "host-a", "host-b", "", "\uD800", "\uDC00", "x"))
              + data.consumeString(4);
        }
        case 4 -> {
          return "x".repeat(data.consumeInt(0, 3 * Limits.MAX_STRING_CHARS));
        }
        case 5 -> {
          return data.consumeDouble();
        }
        case 6 -> {
          return data.consumeLong();
        }
        case 7 -> {
          return new BigInteger(data.consumeInt(1, 160) * 8 / 3, new Random(data.consumeLong()))
              .multiply(BigInteger.valueOf(data.consumeBoolean() ? 1 : -1));
        }
        case 8 -> {
          return data.pickValue(
              List.of(
                  data.consumeFloat(),
                  new AtomicLong(data.consumeLong()),
                  new BigDecimal(data.consumeLong()).scaleByPowerOfTen(data.consumeInt(-5, 5)),
                  Thread.State.RUNNABLE));
        }
        case 9 -> {
          if (!containers.isEmpty()) {
            return data.pickValue(containers); // shared, or a cycle if it is an ancestor
          }
          return data.consumeInt();
        }
        case 10 -> {
          return data.consumeBoolean() ? new int[] {data.consumeInt(), data.consumeInt()} : null;
        }
        case 11 -> {
          Map<Object, Object> m = new LinkedHashMap<>();
          containers.add(m);
          for (int i = data.consumeInt(0, 6); i > 0; i--) {
            Object key =
                data.consumeBoolean()
                    ? data.pickValue(List.of("h1", "h2", "k", "", "\uD800", "\uDFFF"))
                    : data.consumeString(12);
            m.put(key, value(depth + 1));
          }
          return m;
        }
        default -> {
          List<Object> l = new ArrayList<>();
          containers.add(l);
          int n = data.consumeBoolean() ? data.consumeInt(0, 6) : data.consumeInt(0, 1200);
          for (int i = 0; i < n; i++) {
            l.add(i < 8 ? value(depth + 1) : (Object) i);
          }
          return l;
        }
      }
    }
  }

  /** What the writer promises to write, in {@link FuzzedValues#canonical} form. */
  private static final class Model {
    private final Set<Object> path = Collections.newSetFromMap(new IdentityHashMap<>());

    Object of(Object v, int depth) {
      if (v == null) {
        return null;
      }
      if (v instanceof CharSequence) {
        return text(redact(cut(v.toString(), JsonWriter.REDACT_CHARS)));
      }
      if (v instanceof Boolean) {
        return v;
      }
      if (v instanceof Number number) {
        return number(number);
      }
      if (v instanceof Map || v instanceof Iterable || v.getClass().isArray()) {
        if (depth >= JsonWriter.MAX_DEPTH) {
          return "[too deep]";
        }
        if (!path.add(v)) {
          return JsonWriter.CYCLE;
        }
        try {
          return v instanceof Map ? map((Map<?, ?>) v, depth) : list(v, depth);
        } finally {
          path.remove(v);
        }
      }
      if (v instanceof Enum) {
        return text(redact(((Enum<?>) v).name()));
      }
      return text(redact(String.valueOf(v)));
    }

    private Map<String, Object> map(Map<?, ?> m, int depth) {
      Map<String, Object> out = new LinkedHashMap<>();
      Set<String> keys = new HashSet<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (out.size() == JsonWriter.MAX_ITEMS) {
          break;
        }
        String key =
            text(
                cut(
                    redact(cut(String.valueOf(e.getKey()), JsonWriter.REDACT_CHARS)),
                    Limits.MAX_KEY_CHARS - 8));
        for (int i = 2; !keys.add(key); i++) {
          key = cut(key, Limits.MAX_KEY_CHARS - 8) + "#" + i;
        }
        out.put(key, of(e.getValue(), depth + 1));
      }
      return out;
    }

    private List<Object> list(Object v, int depth) {
      List<Object> out = new ArrayList<>();
      if (v instanceof Iterable) {
        for (Object o : (Iterable<?>) v) {
          if (out.size() == JsonWriter.MAX_ITEMS) {
            break;
          }
          out.add(of(o, depth + 1));
        }
      } else {
        int n = Math.min(Array.getLength(v), JsonWriter.MAX_ITEMS);
        for (int i = 0; i < n; i++) {
          out.add(of(Array.get(v, i), depth + 1));
        }
      }
      return out;
    }

    private static Object number(Number n) {
      if (n instanceof Double || n instanceof Float) {
        double d = n.doubleValue();
        return Double.isFinite(d) ? FuzzedValues.canonical(d) : null;
      }
      if (n instanceof Integer
          || n instanceof Long
          || n instanceof BigInteger
          || n instanceof BigDecimal) {
        String digits = n.toString();
        if (digits.length() > Limits.MAX_NUMBER_CHARS) {
          return digits;
        }
        // Written exactly; read back as a double (both readers) if it has a fraction or exponent.
        return digits.matches("-?\\d+")
            ? new BigDecimal(digits).stripTrailingZeros()
            : FuzzedValues.canonical(Double.parseDouble(digits));
      }
      return FuzzedValues.canonical(n.doubleValue());
    }

    /** A string as written: cut, and a lone surrogate (which UTF-8 cannot hold) replaced. */
    private static String text(String s) {
      String c = cut(s, Limits.MAX_STRING_CHARS);
      StringBuilder out = new StringBuilder(c.length());
      for (int i = 0; i < c.length(); i++) {
        char ch = c.charAt(i);
        if (Character.isHighSurrogate(ch)
            && i + 1 < c.length()
            && Character.isLowSurrogate(c.charAt(i + 1))) {
          out.append(ch).append(c.charAt(++i));
        } else {
          out.append(Character.isSurrogate(ch) ? '\uFFFD' : ch);
        }
      }
      return out.toString();
    }

    private static String cut(String s, int max) {
      return s.length() <= max ? s : s.substring(0, max);
    }
  }
}
