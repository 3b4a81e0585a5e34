package dev.beacon.server.web;

import io.helidon.http.Headers;
import io.helidon.http.encoding.ContentDecoder;
import io.helidon.http.encoding.ContentEncoder;
import io.helidon.http.encoding.ContentEncodingContext;
import io.helidon.http.encoding.ContentEncodingContextConfig;

/**
 * Hands every request body to the routes as it came off the wire, whatever its {@code
 * Content-Encoding}: {@link dev.beacon.server.ingest.BodyReader} inflates gzip itself, within the
 * size and ratio limits, and answers 415 for any other encoding. Without this, Helidon refuses a
 * {@code Content-Encoding} it has no decoder for (and it has none: no encoding module is on the
 * class path) with an empty 400 before any route runs, so no gzip body was ever accepted. Responses
 * are never encoded.
 */
final class RawContentEncoding implements ContentEncodingContext {
  private static final ContentEncodingContextConfig CONFIG =
      ContentEncodingContextConfig.builder()
          .contentEncodingsDiscoverServices(false)
          .buildPrototype();

  @Override
  public boolean contentEncodingEnabled() {
    return false;
  }

  @Override
  public boolean contentDecodingEnabled() {
    return true;
  }

  @Override
  public boolean contentEncodingSupported(String encodingId) {
    return false;
  }

  @Override
  public boolean contentDecodingSupported(String encodingId) {
    return true;
  }

  @Override
  public ContentEncoder encoder(String encodingId) {
    return ContentEncoder.NO_OP;
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
    return CONFIG;
  }
}
