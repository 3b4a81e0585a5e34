package dev.beacon.sdk.internal.json;

import dev.beacon.protocol.Limits;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON parser (RFC 8259) for what the cluster agent reads from local sources:
 * objects become {@code LinkedHashMap} (a repeated key keeps its last value), arrays {@code
 * ArrayList}, integers {@code Long} (or {@code BigInteger} beyond a long), other numbers {@code
 * Double}. The SDK takes no dependency, so it carries this. Besides what is not JSON it refuses,
 * always with an {@link IllegalArgumentException}: containers nested more than {@value #MAX_DEPTH}
 * deep, a number longer than {@value #MAX_NUMBER_CHARS} chars or beyond a double's range, and
 * anything after the document.
 */
public final class JsonReader {
  static final int MAX_DEPTH = 64;
  static final int MAX_NUMBER_CHARS = Limits.MAX_NUMBER_CHARS;

  private final String s;
  private int i;

  private JsonReader(String s) {
    this.s = s;
  }

  public static Object parse(String json) {
    JsonReader r = new JsonReader(json);
    r.space();
    Object v = r.value(0);
    r.space();
    if (r.i != r.s.length()) {
      throw r.error("unexpected text after the document");
    }
    return v;
  }

  /**
   * @param depth how many containers hold this value
   */
  private Object value(int depth) {
    if (i >= s.length()) {
      throw error("unexpected end");
    }
    char c = s.charAt(i);
    switch (c) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        return literal("true", true);
      case 'f':
        return literal("false", false);
      case 'n':
        return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw error("unexpected character '" + c + "'");
    }
  }

  private Map<String, Object> object(int depth) {
    checkDepth(depth);
    Map<String, Object> m = new LinkedHashMap<>();
    i++;
    space();
    if (peek() == '}') {
      i++;
      return m;
    }
    while (true) {
      space();
      if (peek() != '"') {
        throw error("expected a key");
      }
      String key = string();
      space();
      expect(':');
      space();
      m.put(key, value(depth + 1));
      space();
      char c = next();
      if (c == '}') {
        return m;
      }
      if (c != ',') {
        throw error("expected ',' or '}'");
      }
    }
  }

  private List<Object> array(int depth) {
    checkDepth(depth);
    List<Object> l = new ArrayList<>();
    i++;
    space();
    if (peek() == ']') {
      i++;
      return l;
    }
    while (true) {
      space();
      l.add(value(depth + 1));
      space();
      char c = next();
      if (c == ']') {
        return l;
      }
      if (c != ',') {
        throw error("expected ',' or ']'");
      }
    }
  }

  private String string() {
    expect('"');
    StringBuilder sb = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        checkSurrogates(sb);
        return sb.toString();
      }
      if (c == '\\') {
        char e = next();
        switch (e) {
          case 'n':
            sb.append('\n');
            break;
          case 't':
            sb.append('\t');
            break;
          case 'r':
            sb.append('\r');
            break;
          case 'b':
            sb.append('\b');
            break;
          case 'f':
            sb.append('\f');
            break;
          case 'u':
            sb.append(hex4());
            break;
          case '"':
          case '\\':
          case '/':
            sb.append(e);
            break;
          default:
            throw error("bad escape \\" + e);
        }
      } else if (c < 0x20) {
        throw error("control character in a string");
      } else {
        sb.append(c);
      }
    }
  }

  private void checkSurrogates(CharSequence s) {
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (Character.isHighSurrogate(c)
          && k + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(k + 1))) {
        k++;
      } else if (Character.isSurrogate(c)) {
        throw error("a lone surrogate in a string");
      }
    }
  }

  private void checkDepth(int depth) {
    if (depth >= MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH);
    }
  }

  private char hex4() {
    if (i + 4 > s.length()) {
      throw error("truncated \\u escape");
    }
    int v = 0;
    for (int k = 0; k < 4; k++) {
      int d = hexDigit(s.charAt(i + k));
      if (d < 0) {
        throw error("bad \\u escape");
      }
      v = v << 4 | d;
    }
    i += 4;
    return (char) v;
  }

  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}, as RFC 8259 writes it. */
  private Object number() {
    int start = i;
    if (peek() == '-') {
      i++;
    }
    if (i < s.length() && s.charAt(i) == '0') {
      i++;
    } else if (digits() == 0) {
      throw error("bad number");
    }
    boolean integer = true;
    if (i < s.length() && s.charAt(i) == '.') {
      i++;
      integer = false;
      if (digits() == 0) {
        throw error("bad number: no digit after '.'");
      }
    }
    if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      integer = false;
      if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      if (digits() == 0) {
        throw error("bad number: no digit in the exponent");
      }
    }
    if (i - start > MAX_NUMBER_CHARS) {
      throw error("number longer than " + MAX_NUMBER_CHARS + " chars");
    }
    String n = s.substring(start, i);
    if (integer) {
      BigInteger big = new BigInteger(n);
      return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }
    double d = Double.parseDouble(n);
    if (Double.isInfinite(d)) {
      throw error("number out of range '" + n + "'");
    }
    return d;
  }

  private int digits() {
    int from = i;
    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      i++;
    }
    return i - from;
  }

  private Object literal(String word, Object value) {
    if (!s.startsWith(word, i)) {
      throw error("unexpected token");
    }
    i += word.length();
    return value;
  }

  private void space() {
    while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
  }

  private char peek() {
    if (i >= s.length()) {
      throw error("unexpected end");
    }
    return s.charAt(i);
  }

  private char next() {
    char c = peek();
    i++;
    return c;
  }

  private void expect(char c) {
    if (next() != c) {
      throw error("expected '" + c + "'");
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("invalid JSON at offset " + i + ": " + what);
  }
}
