package dev.beacon.server.ingest;

import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a request body within the limits: at most {@code maxBytes} on the wire and after
 * decompression, and a gzip body may expand at most {@code maxRatio} times (a gzip bomb is cut off
 * after reading no more than the limit, never inflated whole).
 */
public final class BodyReader {
  private final int maxBytes;
  private final int maxRatio;

  public BodyReader(int maxBytes, int maxRatio) {
    this.maxBytes = maxBytes;
    this.maxRatio = maxRatio;
  }

  /** The same limits with a smaller size bound (never larger than this reader's). */
  public BodyReader atMost(int bytes) {
    return new BodyReader(Math.min(bytes, maxBytes), maxRatio);
  }

  /**
   * Refuses anything but {@code application/json} (or {@code +json}), and a missing type: for an
   * endpoint without credentials, where a {@code text/plain} post from any web page (a CORS "simple
   * request") must not get through.
   */
  public static void requireStrictJson(String contentType) {
    String type =
        contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!type.equals("application/json") && !type.endsWith("+json")) {
      throw new Refusal(
          Kind.UNSUPPORTED_MEDIA_TYPE,
          "unsupported_media_type",
          "Content-Type must be application/json"
              + (type.isEmpty() ? "" : ", not '" + type.replaceAll("[^\\x20-\\x7e]", "?") + "'"));
    }
  }

  /** Refuses media types other than JSON before anything is read. */
  public static void requireJson(String contentType) {
    if (contentType == null) {
      return; // many clients omit it; the body is parsed as JSON and refused if it is not
    }
    String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!type.equals("application/json") && !type.equals("text/plain") && !type.endsWith("+json")) {
      throw new Refusal(
          Kind.UNSUPPORTED_MEDIA_TYPE,
          "unsupported_media_type",
          "Content-Type must be application/json, not '" + type + "'");
    }
  }

  public byte[] read(InputStream body, long declaredLength, String contentEncoding)
      throws IOException {
    if (declaredLength > maxBytes) {
      throw tooLarge("request body of " + declaredLength + " bytes exceeds " + maxBytes);
    }
    byte[] raw =
        readAtMost(
            body, maxBytes, declaredLength, () -> "request body exceeds " + maxBytes + " bytes");
    String encoding =
        contentEncoding == null ? "identity" : contentEncoding.strip().toLowerCase(Locale.ROOT);
    return switch (encoding) {
      case "identity", "" -> raw;
      case "gzip", "x-gzip" -> gunzip(raw);
      default ->
          throw new Refusal(
              Kind.UNSUPPORTED_MEDIA_TYPE,
              "unsupported_encoding",
              "Content-Encoding '" + encoding + "' is not supported; use gzip or none");
    };
  }

  /**
   * A body that is gzip by another sign than its {@code Content-Encoding} (PostHog's {@code
   * compression=gzip-js}, or its magic bytes), inflated within the same limits.
   */
  public byte[] gunzip(byte[] compressed) throws IOException {
    long byRatio = (long) compressed.length * maxRatio;
    int limit = (int) Math.min(maxBytes, Math.max(byRatio, 1024));
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
      return readAtMost(
          in,
          limit,
          (long) compressed.length * 4,
          () ->
              "gzip body expands past "
                  + limit
                  + " bytes (limits: "
                  + maxBytes
                  + " bytes, "
                  + maxRatio
                  + "x the compressed size)");
    } catch (ZipException | EOFException e) {
      throw new Refusal(
          Kind.BAD_REQUEST,
          "invalid_gzip",
          "Content-Encoding is gzip but the body is not valid gzip");
    }
  }

  /**
   * @param expected a size hint (the declared length), to allocate once on the hot path
   * @param message the error, built only when there is one
   */
  private static byte[] readAtMost(
      InputStream in, int limit, long expected, Supplier<String> message) throws IOException {
    // A declared length is only a hint: memory follows the bytes that really arrive.
    int hint = expected > 0 ? (int) Math.min(Math.min(expected, limit), 64 * 1024) : 4096;
    ByteArrayOutputStream out = new ByteArrayOutputStream(hint);
    byte[] buf = new byte[Math.min(Math.max(hint, 1024), 16 * 1024)];
    int total = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      total += n;
      if (total > limit) {
        throw tooLarge(message.get());
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  private static Refusal tooLarge(String message) {
    return new Refusal(Kind.TOO_LARGE, "body_too_large", message);
  }
}
