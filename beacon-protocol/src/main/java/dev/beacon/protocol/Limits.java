package dev.beacon.protocol;

/**
 * Size limits both sides agree on. The server rejects what exceeds them; the SDK keeps its payloads
 * within them so that nothing it sends is refused for size.
 *
 * @since 0.1.0
 */
public final class Limits {
  /** Largest single message, in bytes of UTF-8 JSON. */
  public static final int MAX_EVENT_BYTES = 64 * 1024;

  /** Largest request body after decompression, in bytes. */
  public static final int MAX_REQUEST_BYTES = 1024 * 1024;

  /** Deepest nesting of JSON objects and arrays. */
  public static final int MAX_DEPTH = 32;

  /** Longest object key, in chars. */
  public static final int MAX_KEY_CHARS = 1024;

  /** Longest number, in chars. */
  public static final int MAX_NUMBER_CHARS = 100;

  /** Longest string value, in chars. */
  public static final int MAX_STRING_CHARS = 8 * 1024;

  /**
   * Most messages in one batch the server accepts. Segment-compatible clients batch by bytes rather
   * than count, so small messages come many to a request; the SDK's {@code maxBatchSize} is at most
   * this (500 by default).
   */
  public static final int MAX_BATCH_MESSAGES = 2500;

  private Limits() {}
}
