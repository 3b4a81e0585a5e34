package dev.beacon.server;

/**
 * A request refused as a whole, by any part of the server (ingest, the dashboard's API, admin
 * access, metrics). The web layer maps each {@link Kind} to its HTTP status, in one place; the
 * message names what was wrong and where, and never echoes the body. The kind and the code are
 * typed values: nothing reads them back from the message.
 */
public final class Refusal extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a request was refused; each kind has one HTTP status. */
  public enum Kind {
    BAD_REQUEST,
    UNAUTHORIZED,
    FORBIDDEN,
    NOT_FOUND,
    CONFLICT,
    TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    RATE_LIMITED,
    OVERLOADED
  }

  private final Kind kind;
  private final String code;
  private final long retryAfterSeconds;

  public Refusal(Kind kind, String code, String message) {
    this(kind, code, message, 0);
  }

  public Refusal(Kind kind, String code, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.kind = kind;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public Kind kind() {
    return kind;
  }

  /** A stable machine-readable code, such as {@code body_too_large}. */
  public String code() {
    return code;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
