package dev.beacon.server.ingest;

/** One event of a request failed validation; the reason names the field. */
final class InvalidEvent extends Exception {
  private static final long serialVersionUID = 1L;

  InvalidEvent(String reason) {
    super(reason, null, false, false);
  }
}
