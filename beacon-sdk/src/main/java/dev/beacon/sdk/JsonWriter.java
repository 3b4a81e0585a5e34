package dev.beacon.sdk;

import dev.beacon.protocol.Limits;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Writes the SDK's own payloads as JSON. Values come from the product, so the writer defends the
 * wire: strings are escaped (control characters, U+2028/U+2029, lone surrogates replaced), cut at
 * {@link Limits#MAX_STRING_CHARS}, nesting cut at {@link #MAX_DEPTH}, collections at {@link
 * #MAX_ITEMS}, and a number that JSON cannot hold (NaN, infinity) becomes null.
 */
final class JsonWriter {
  static final int MAX_DEPTH = 16;
  static final int MAX_ITEMS = 1000;

  private final StringBuilder out;
  private final UnaryOperator<String> strings;

  /**
   * @param strings applied to every string and key before it is written (the redactor); identity
   *     when nothing needs hiding
   */
  JsonWriter(StringBuilder out, UnaryOperator<String> strings) {
    this.out = out;
    this.strings = strings;
  }

  JsonWriter(StringBuilder out) {
    this(out, UnaryOperator.identity());
  }

  static String toJson(Object value) {
    StringBuilder sb = new StringBuilder(256);
    new JsonWriter(sb).value(value);
    return sb.toString();
  }

  JsonWriter value(Object value) {
    write(value, 0);
    return this;
  }

  private void write(Object v, int depth) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof CharSequence) {
      string(v.toString());
    } else if (v instanceof Boolean) {
      out.append(v.toString());
    } else if (v instanceof Number) {
      number((Number) v);
    } else if (v instanceof Map) {
      if (depth >= MAX_DEPTH) {
        out.append("\"[too deep]\"");
        return;
      }
      map((Map<?, ?>) v, depth);
    } else if (v instanceof Iterable) {
      if (depth >= MAX_DEPTH) {
        out.append("\"[too deep]\"");
        return;
      }
      iterable(((Iterable<?>) v).iterator(), depth);
    } else if (v.getClass().isArray()) {
      if (depth >= MAX_DEPTH) {
        out.append("\"[too deep]\"");
        return;
      }
      array(v, depth);
    } else if (v instanceof Enum) {
      string(((Enum<?>) v).name());
    } else if (v instanceof RawJson) {
      out.append(((RawJson) v).json);
    } else {
      string(String.valueOf(v));
    }
  }

  private void map(Map<?, ?> m, int depth) {
    out.append('{');
    int n = 0;
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (n == MAX_ITEMS) {
        break;
      }
      // The server refuses a document with a repeated key: two keys that redaction or the
      // length cut made equal must stay apart.
      String key = cut(strings.apply(String.valueOf(e.getKey())), Limits.MAX_KEY_CHARS - 8);
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

  private static String cut(String s, int max) {
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
    literal(strings.apply(raw));
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
            out.append(String.format("\\u%04x", (int) c));
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

  /** Already-serialized JSON, written as is (the SDK's own output only, never product input). */
  static final class RawJson {
    final String json;

    RawJson(String json) {
      this.json = json;
    }
  }
}
