package dev.beacon.server.storage;

import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/** The store failed; the request is answered 503 and the client retries. */
public final class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * What may be logged of a failure: the classes of the chain and the SQL state, never a message.
   * Database messages quote the data they choked on ("Could not convert string '...'"), and that
   * data is telemetry anyone can send: in a log it is a privacy leak and a way to forge lines.
   */
  public static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable c = t; c != null && seen.add(c) && seen.size() <= 8; c = c.getCause()) {
      if (sb.length() > 0) {
        sb.append(" <- ");
      }
      sb.append(c.getClass().getName());
      if (c instanceof SQLException sql && sql.getSQLState() != null) {
        sb.append(" (SQL state ")
            .append(sql.getSQLState().replaceAll("[^A-Za-z0-9]", "?"))
            .append(')');
      }
    }
    return sb.toString();
  }
}
