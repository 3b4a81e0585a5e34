package dev.beacon.server.storage;

/** The store failed; the request is answered 503 and the client retries. */
public final class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
