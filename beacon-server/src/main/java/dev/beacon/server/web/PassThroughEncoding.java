package dev.beacon.server.web;

import io.helidon.http.Headers;
import io.helidon.http.encoding.ContentDecoder;
import io.helidon.http.encoding.ContentEncoder;
import io.helidon.http.encoding.ContentEncodingContext;
import io.helidon.http.encoding.ContentEncodingContextConfig;
import java.util.NoSuchElementException;

/**
 * Tells Helidon to leave request bodies as they came. Beacon decompresses gzip itself, in {@link
 * dev.beacon.server.ingest.BodyReader}, where the size and the expansion ratio are bounded; Helidon
 * would otherwise refuse a gzip body with an empty 400 (no gzip decoder on the classpath) or
 * inflate it unbounded (with one).
 */
final class PassThroughEncoding implements ContentEncodingContext {
  private final ContentEncodingContextConfig prototype =
      ContentEncodingContext.builder().contentEncodingsDiscoverServices(false).buildPrototype();

  @Override
  public boolean contentEncodingEnabled() {
    return false;
  }

  @Override
  public boolean contentDecodingEnabled() {
    return true; // with decoding disabled, Helidon refuses any Content-Encoding header
  }

  @Override
  public boolean contentEncodingSupported(String encodingId) {
    return false;
  }

  @Override
  public boolean contentDecodingSupported(String encodingId) {
    return true; // every encoding "decodes" to the bytes as sent; BodyReader decides
  }

  @Override
  public ContentEncoder encoder(String encodingId) {
    throw new NoSuchElementException("no content encoding: " + encodingId);
  }

  @Override
  public ContentDecoder decoder(String encodingId) {
    return ContentDecoder.NO_OP;
  }

  @Override
  public ContentEncoder encoder(Headers headers) {
    return ContentEncoder.NO_OP;
  }

  @Override
  public ContentEncodingContextConfig prototype() {
    return prototype;
  }
}
