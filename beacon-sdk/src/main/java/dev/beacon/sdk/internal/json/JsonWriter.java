package dev.beacon.sdk.internal.json;

import dev.beacon.protocol.Limits;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Writes the SDK's own payloads as JSON. Values come from the product, so the writer defends the
 * wire and the host: strings are escaped (control characters, U+2028/U+2029, lone surrogates
 * replaced), cut at {@link Limits#MAX_STRING_CHARS}, nesting cut at {@link #MAX_DEPTH}, collections
 * at {@link #MAX_ITEMS}, a number that JSON cannot hold (NaN, infinity) becomes null, a container
 * met again inside itself becomes {@value #CYCLE}, and the whole output has a budget: past it the
 * writer stops with {@link TooLarge} instead of building a string the size of the heap.
 *
 * <p>The budget is what bounds shared references: a map put a thousand times in a list, or a list
 * holding itself k times, is written once per path (k^16 times in the worst case), so only the
 * budget stops it early. Cycles are cut by the identity set of the containers on the current path.
 */
public final class JsonWriter {
  public static final int MAX_DEPTH = 16;
  public static final int MAX_ITEMS = 1000;
  public static final String CYCLE = "[cycle]";

  /**
   * A redactor only needs this much of a string: the output keeps {@link Limits#MAX_STRING_CHARS}
   * chars, and a needle (a hostname, a path) that starts inside them ends well within twice that.
   */
  public static final int REDACT_CHARS = 2 * Limits.MAX_STRING_CHARS;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final StringBuilder out;
  private final UnaryOperator<String> strings;
  private final int maxChars;
  private final int end;
  private final Set<Object> path = Collections.newSetFromMap(new IdentityHashMap<>());

  /**
   * @param strings applied to every string and key before it is written (the redactor); identity
   *     when nothing needs hiding
   * @param maxChars the most chars this writer may append to {@code out}
   */
  public JsonWriter(StringBuilder out, UnaryOperator<String> strings, int maxChars) {
    this.out = out;
    this.strings = strings;
    this.maxChars = maxChars;
    this.end = (int) Math.min(Integer.MAX_VALUE, (long) out.length() + maxChars);
  }

  /** A writer with the budget of one message, {@link Limits#MAX_EVENT_BYTES}. */
  public JsonWriter(StringBuilder out, UnaryOperator<String> strings) {
    this(out, strings, Limits.MAX_EVENT_BYTES);
  }

  public JsonWriter(StringBuilder out) {
    this(out, UnaryOperator.identity());
  }

  /**
   * The value as JSON text.
   *
   * @throws TooLarge past {@link Limits#MAX_EVENT_BYTES} chars
   */
  public static String toJson(Object value) {
    StringBuilder sb = new StringBuilder(256);
    new JsonWriter(sb).value(value);
    return sb.toString();
  }

  /**
   * Appends {@code value}.
   *
   * @throws TooLarge when the budget is spent; {@code out} then holds a cut, invalid document
   */
  public JsonWriter value(Object value) {
    write(value, 0);
    if (out.length() > end) {
      throw new TooLarge(maxChars); // the closing brackets went past it
    }
    return this;
  }

  private void write(Object v, int depth) {
    if (out.length() > end) {
      throw new TooLarge(maxChars);
    }
    if (v == null) {
      out.append("null");
    } else if (v instanceof CharSequence) {
      string(v.toString());
    } else if (v instanceof Boolean) {
      out.append(v.toString());
    } else if (v instanceof Number) {
      number((Number) v);
    } else if (v instanceof Map || v instanceof Iterable || v.getClass().isArray()) {
      container(v, depth);
    } else if (v instanceof Enum) {
      string(((Enum<?>) v).name());
    } else if (v instanceof RawJson) {
      out.append(((RawJson) v).json);
    } else {
      string(String.valueOf(v));
    }
    if (out.length() > end) {
      throw new TooLarge(maxChars);
    }
  }

  private void container(Object v, int depth) {
    if (depth >= MAX_DEPTH) {
      out.append("\"[too deep]\"");
      return;
    }
    if (!path.add(v)) {
      literal(CYCLE);
      return;
    }
    try {
      if (v instanceof Map) {
        map((Map<?, ?>) v, depth);
      } else if (v instanceof Iterable) {
        iterable(((Iterable<?>) v).iterator(), depth);
      } else {
        array(v, depth);
      }
    } finally {
      path.remove(v);
    }
  }

  private void map(Map<?, ?> m, int depth) {
    out.append('{');
    int n = 0;
    Set<String> keys = new HashSet<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (n == MAX_ITEMS) {
        break;
      }
      // The server refuses a document with a repeated key: two keys that redaction, the length
      // cut or their lone surrogates (each written as U+FFFD) made equal must stay apart.
      String raw = cut(String.valueOf(e.getKey()), REDACT_CHARS);
      String key = wellFormed(cut(strings.apply(raw), Limits.MAX_KEY_CHARS - 8));
      for (int i = 2; !keys.add(key); i++) {
        key = cut(key, Limits.MAX_KEY_CHARS - 8) + "#" + i;
      }
      if (n++ > 0) {
        out.append(',');
      }
      literal(key);
      out.append(':');
      write(e.getValue(), depth + 1);
    }
    out.append('}');
  }

  /** {@code s} with each lone surrogate (which has no UTF-8 form) replaced by U+FFFD. */
  static String wellFormed(String s) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        if (out == null) {
          out = new StringBuilder(s);
        }
        out.setCharAt(i, '\uFFFD');
      }
    }
    return out == null ? s : out.toString();
  }

  public static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  private void iterable(Iterator<?> it, int depth) {
    out.append('[');
    int n = 0;
    while (it.hasNext() && n < MAX_ITEMS) {
      if (n++ > 0) {
        out.append(',');
      }
      write(it.next(), depth + 1);
    }
    out.append(']');
  }

  private void array(Object a, int depth) {
    out.append('[');
    int len = Math.min(Array.getLength(a), MAX_ITEMS);
    for (int i = 0; i < len; i++) {
      if (i > 0) {
        out.append(',');
      }
      write(Array.get(a, i), depth + 1);
    }
    out.append(']');
  }

  private void number(Number n) {
    if (n instanceof Double || n instanceof Float) {
      double d = n.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        out.append("null");
      } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        out.append((long) d);
      } else {
        out.append(d);
      }
    } else if (n instanceof Integer
        || n instanceof Long
        || n instanceof Short
        || n instanceof Byte
        || n instanceof BigInteger
        || n instanceof BigDecimal) {
      String digits = n.toString();
      if (digits.length() > Limits.MAX_NUMBER_CHARS) {
        literal(digits); // longer than the server reads as a number: kept, as text
      } else {
        out.append(digits);
      }
    } else {
      // AtomicLong, LongAdder and other Number types: their double value is always valid JSON.
      number(n.doubleValue());
    }
  }

  private void string(String raw) {
    literal(strings.apply(cut(raw, REDACT_CHARS)));
  }

  /** Writes a string as it is (already redacted), escaped and cut. */
  private void literal(String s) {
    int len = Math.min(s.length(), Limits.MAX_STRING_CHARS);
    out.append('"');
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            out.append("\\u")
                .append(HEX[c >> 12 & 0xf])
                .append(HEX[c >> 8 & 0xf])
                .append(HEX[c >> 4 & 0xf])
                .append(HEX[c & 0xf]);
          } else if (Character.isHighSurrogate(c)
              && i + 1 < len
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            out.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            out.append('\uFFFD'); // a lone surrogate has no UTF-8 form
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }

  /**
   * The writer's budget is spent: the value would exceed it. Carries no stack trace; thrown on the
   * worker for a product value too large to send, which is then dropped and counted.
   */
  public static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TooLarge(int maxChars) {
      super("the value exceeds " + maxChars + " chars", null, false, false);
    }
  }

  /** Already-serialized JSON, written as is (the SDK's own output only, never product input). */
  public static final class RawJson {
    final String json;

    public RawJson(String json) {
      this.json = json;
    }
  }
}
