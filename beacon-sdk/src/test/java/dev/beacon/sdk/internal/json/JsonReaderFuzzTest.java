package dev.beacon.sdk.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.Limits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the agent's JSON reader (what local sources answer): whatever the text, it either reads
 * exactly what a strict reference parser reads, or refuses with {@link IllegalArgumentException}
 * (never another exception, never a stack overflow), and refuses only what is not JSON or beyond
 * its documented limits. What it reads, the SDK's writer writes back to the same value.
 */
class JsonReaderFuzzTest {
  /** The input is the text's UTF-8 bytes, so the seeds in the inputs folder are JSON files. */
  @FuzzTest(maxDuration = "10s")
  void anyTextIsReadAsStrictJsonOrRefusedWithTheDocumentedException(byte[] input) throws Exception {
    String text = new String(input, StandardCharsets.UTF_8);
    Object read;
    try {
      read = JsonReader.parse(text);
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).startsWith("invalid JSON at offset ");
      JsonNode reference = reference(text);
      if (reference != null) {
        assertThat(beyondLimits(text))
            .as("refused valid JSON within the limits: %s", refused.getMessage())
            .isTrue();
      }
      return;
    }
    JsonNode reference = reference(text);
    assertThat(reference).as("read what is not JSON").isNotNull();
    assertThat(FuzzedValues.canonical(read)).isEqualTo(FuzzedValues.canonical(reference));

    // Round trip: written back by the SDK's writer and read again, the same value, unless the
    // writer's own limits cut it (depth, items, string length, budget).
    String written;
    try {
      written = JsonWriter.toJson(read);
    } catch (JsonWriter.TooLarge overBudget) {
      return;
    }
    Object again = JsonReader.parse(written);
    if (withinWriterLimits(read, 0)) {
      assertThat(FuzzedValues.canonical(again)).isEqualTo(FuzzedValues.canonical(read));
    }
  }

  /** The reference parser's tree, or null when it refuses the text (or it holds no document). */
  private static JsonNode reference(String text) {
    try {
      JsonNode n = FuzzedValues.STRICT.readTree(text);
      return n == null || n.isMissingNode() ? null : n;
    } catch (JsonProcessingException notJson) {
      return null;
    }
  }

  /**
   * Whether the text (valid JSON) is beyond the reader's documented limits: depth, number length, a
   * double's range, lone surrogates. Read token by token, since a repeated key hides its first
   * value from the tree.
   */
  private static boolean beyondLimits(String text) throws IOException {
    try (JsonParser p = FuzzedValues.STRICT.createParser(text)) {
      int depth = 0;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        switch (t) {
          case START_OBJECT, START_ARRAY -> {
            if (++depth > JsonReader.MAX_DEPTH) {
              return true;
            }
          }
          case END_OBJECT, END_ARRAY -> depth--;
          case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
            if (p.getText().length() > JsonReader.MAX_NUMBER_CHARS
                || !Double.isFinite(Double.parseDouble(p.getText()))) {
              return true;
            }
          }
          case VALUE_STRING, FIELD_NAME -> {
            if (hasLoneSurrogate(p.getText())) {
              return true;
            }
          }
          default -> {}
        }
      }
      return false;
    }
  }

  /** Whether the writer writes this value unchanged (its cuts and replacements aside). */
  private static boolean withinWriterLimits(Object v, int depth) {
    if (v instanceof Map) {
      if (depth >= JsonWriter.MAX_DEPTH || ((Map<?, ?>) v).size() > JsonWriter.MAX_ITEMS) {
        return false;
      }
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        String key = (String) e.getKey();
        if (key.length() > Limits.MAX_KEY_CHARS - 8
            || hasLoneSurrogate(key)
            || !withinWriterLimits(e.getValue(), depth + 1)) {
          return false;
        }
      }
      return true;
    }
    if (v instanceof List) {
      if (depth >= JsonWriter.MAX_DEPTH || ((List<?>) v).size() > JsonWriter.MAX_ITEMS) {
        return false;
      }
      for (Object o : (List<?>) v) {
        if (!withinWriterLimits(o, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    if (v instanceof String s) {

      return s.length() <= Limits.MAX_STRING_CHARS && !hasLoneSurrogate(s);
    }
    return true;
  }

  private static boolean hasLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
