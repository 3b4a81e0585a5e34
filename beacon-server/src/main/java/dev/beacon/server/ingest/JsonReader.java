package dev.beacon.server.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.protocol.Limits;
import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.config.ServerConfig;
import java.io.CharConversionException;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map.Entry;

/**
 * Parses request bodies with Jackson under read constraints: nesting depth, string and number
 * length, no NaN, no duplicate keys, nothing after the document. Errors name the problem and the
 * line and column; Jackson may quote the offending token (cut to 300 chars, JSON-escaped in the
 * answer), never more of the body.
 */
public final class JsonReader {
  private final ObjectMapper mapper;

  public JsonReader(ServerConfig.Limits limits) {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(limits.maxDepth())
                    .maxStringLength(limits.maxStringChars())
                    .maxNameLength(Limits.MAX_KEY_CHARS)
                    .maxNumberLength(Limits.MAX_NUMBER_CHARS)
                    .maxDocumentLength(limits.maxRequestBytes())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    this.mapper = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  public ObjectMapper mapper() {
    return mapper;
  }

  public JsonNode read(byte[] body) {
    if (body.length == 0) {
      throw bad("empty_body", "the request body is empty");
    }
    try (JsonParser p = mapper.createParser(body)) {
      JsonNode node = mapper.readTree(p);
      if (node == null || node.isMissingNode()) {
        throw bad("empty_body", "the request body holds no JSON");
      }
      String overflow = hasNonFinite(node) ? nonFinite(node, "") : null;
      if (overflow != null) {
        // Jackson reads 1e999999 as Infinity, which JSON cannot hold and no query can sum.
        throw bad("invalid_number", "the number at " + overflow + " is out of range");
      }
      return node;
    } catch (StreamConstraintsException e) {
      throw bad("limit_exceeded", "JSON exceeds a limit: " + firstLine(e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      throw bad(
          "invalid_json",
          "invalid JSON" + where(e.getLocation()) + ": " + firstLine(e.getOriginalMessage()));
    } catch (CharConversionException e) {
      throw bad(
          "invalid_encoding", "the body is not valid UTF-8 JSON: " + firstLine(e.getMessage()));
    } catch (IOException e) {
      throw bad("invalid_json", "unreadable JSON: " + firstLine(e.getMessage()));
    }
  }

  /** Whether the tree holds a non-finite number: the fast pass, allocating nothing. */
  private static boolean hasNonFinite(JsonNode n) {
    if (n.isDouble() || n.isFloat()) {
      return !Double.isFinite(n.doubleValue());
    }
    if (n.isContainerNode()) {
      for (JsonNode child : n) {
        if (hasNonFinite(child)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The JSON pointer of the first non-finite number in the tree, or null. Depth is bounded. */
  private static String nonFinite(JsonNode n, String at) {
    if (n.isDouble() || n.isFloat()) {
      return Double.isFinite(n.doubleValue()) ? null : (at.isEmpty() ? "/" : at);
    }
    if (n.isContainerNode()) {
      int i = 0;
      for (Iterator<Entry<String, JsonNode>> it = n.properties().iterator(); it.hasNext(); ) {
        Entry<String, JsonNode> f = it.next();
        String found = nonFinite(f.getValue(), at + "/" + pointerEscape(f.getKey()));
        if (found != null) {
          return found;
        }
      }
      if (n.isArray()) {
        for (JsonNode e : n) {
          String found = nonFinite(e, at + "/" + i++);
          if (found != null) {
            return found;
          }
        }
      }
    }
    return null;
  }

  private static String pointerEscape(String key) {
    String k = key.replace("~", "~0").replace("/", "~1").replaceAll("\\p{Cntrl}", "?");
    return k.length() > 64 ? k.substring(0, 64) + "..." : k;
  }

  private static String where(JsonLocation l) {
    return l == null ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }

  private static Refusal bad(String code, String message) {
    return new Refusal(Kind.BAD_REQUEST, code, message);
  }
}
