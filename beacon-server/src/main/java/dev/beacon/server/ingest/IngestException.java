package dev.beacon.server.ingest;

/**
 * A request refused as a whole. The web layer maps each {@link Problem} to its HTTP status, in one
 * place; the message names what was wrong and where, and never echoes the body.
 */
public final class IngestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a request was refused. */
  public enum Problem {
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

  private final Problem problem;
  private final String code;
  private final long retryAfterSeconds;

  public IngestException(Problem problem, String code, String message) {
    this(problem, code, message, 0);
  }

  public IngestException(Problem problem, String code, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.problem = problem;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public Problem problem() {
    return problem;
  }

  /** A stable machine-readable code, such as {@code body_too_large}. */
  public String code() {
    return code;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
