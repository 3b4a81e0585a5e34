package dev.beacon.server.ingest;

/** One event of a request failed validation; the reason names the field. */
final class InvalidEvent extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean tooLarge;

  InvalidEvent(String reason) {
    this(reason, false);
  }

  InvalidEvent(String reason, boolean tooLarge) {
    super(reason, null, false, false);
    this.tooLarge = tooLarge;
  }

  /** Refused for its size (413 when it is the whole request), not for its content. */
  boolean tooLarge() {
    return tooLarge;
  }
}
