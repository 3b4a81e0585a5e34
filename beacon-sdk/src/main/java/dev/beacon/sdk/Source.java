package dev.beacon.sdk;

import dev.beacon.sdk.internal.json.JsonReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One local source of a {@link SourceAgent} (DC/OS Signal's case): a local HTTP JSON endpoint, a
 * JSON file, or a Java supplier, read with a timeout and mapped to the properties of one event.
 * Immutable.
 *
 * @since 0.1.0
 */
public final class Source {
  private static final int MAX_BYTES = 8 * 1024 * 1024;

  private final String event;
  private final Duration timeout;
  private final Supplier<Object> read;
  private final Function<Object, Map<String, Object>> mapping;

  private Source(
      String event,
      Duration timeout,
      Supplier<Object> read,
      Function<Object, Map<String, Object>> mapping) {
    this.event = Objects.requireNonNull(event, "event");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.read = read;
    this.mapping = Objects.requireNonNull(mapping, "mapping");
  }

  /**
   * A local HTTP endpoint answering JSON, such as DC/OS's {@code /system/health/v1/report}. Read
   * without a proxy: it is on this machine or cluster.
   */
  public static Source httpJson(
      String event, URI uri, Duration timeout, Function<Object, Map<String, Object>> mapping) {
    Objects.requireNonNull(uri, "uri");
    return new Source(event, timeout, () -> JsonReader.parse(get(uri, timeout)), mapping);
  }

  /** A JSON file. */
  public static Source jsonFile(
      String event, Path file, Duration timeout, Function<Object, Map<String, Object>> mapping) {
    Objects.requireNonNull(file, "file");
    return new Source(event, timeout, () -> JsonReader.parse(readFile(file)), mapping);
  }

  /** Properties computed in the product. */
  public static Source supplier(
      String event, Duration timeout, Supplier<? extends Map<String, Object>> properties) {
    Objects.requireNonNull(properties, "properties");
    return new Source(event, timeout, properties::get, v -> castMap(v));
  }

  String event() {
    return event;
  }

  Duration timeout() {
    return timeout;
  }

  Map<String, Object> poll() {
    return mapping.apply(read.get());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object v) {
    return (Map<String, Object>) v;
  }

  private static String get(URI uri, Duration timeout) {
    try {
      HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
      int ms = (int) Math.max(1, timeout.toMillis());
      c.setConnectTimeout(ms);
      c.setReadTimeout(ms);
      c.setRequestProperty("Accept", "application/json");
      int status = c.getResponseCode();
      if (status != 200) {
        c.disconnect();
        throw new IllegalStateException("HTTP " + status + " from " + uri.getPath());
      }
      try (InputStream in = c.getInputStream()) {
        byte[] body = in.readNBytes(MAX_BYTES + 1);
        if (body.length > MAX_BYTES) {
          throw new IllegalStateException("answer over " + MAX_BYTES + " bytes");
        }
        return new String(body, StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e.getClass().getSimpleName(), e);
    }
  }

  private static String readFile(Path file) {
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalStateException("file over " + MAX_BYTES + " bytes");
      }
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e.getClass().getSimpleName(), e);
    }
  }
}
