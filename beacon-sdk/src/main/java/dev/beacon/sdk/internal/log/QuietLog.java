package dev.beacon.sdk.internal.log;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SDK's only voice in the host's logs. A failure is logged once per kind at DEBUG (default
 * logging configurations print nothing), repeats at TRACE, and never with a stack trace: users of
 * every seed product asked for silence when the network is closed.
 */
public final class QuietLog {
  // Looked up on the first failure: initializing the logging backend costs a CLI ~10 ms at start.
  private static final class Holder {
    static final System.Logger LOG = System.getLogger("dev.beacon.sdk");
  }

  private final String product;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  public QuietLog(String product) {
    this.product = product;
  }

  public void failure(String kind, String message) {
    try {
      Level level = seen.add(kind) ? Level.DEBUG : Level.TRACE;
      if (Holder.LOG.isLoggable(level)) {
        Holder.LOG.log(level, "telemetry for " + product + ": " + message);
      }
    } catch (RuntimeException broken) {
      // a broken logging backend is not a reason to disturb the host
    }
  }

  /**
   * A setting the operator must fix (a write key the server does not know, an endpoint with nothing
   * behind it): once per kind at WARNING, which default logging configurations show, then at TRACE.
   * Not for a command-line product, whose terminal stays the user's: there it is a {@link
   * #failure}, and {@code ./beacon status} names it.
   */
  public void misconfigured(String kind, String message, boolean commandLine) {
    if (commandLine) {
      failure(kind, message);
      return;
    }
    try {
      Level level = seen.add(kind) ? Level.WARNING : Level.TRACE;
      if (Holder.LOG.isLoggable(level)) {
        Holder.LOG.log(level, "telemetry for " + product + ": " + message);
      }
    } catch (RuntimeException broken) {
      // a broken logging backend is not a reason to disturb the host
    }
  }

  /** Forgets what was logged, so the next failure after a recovery is logged again. */
  public void recovered(String kind) {
    seen.remove(kind);
  }
}
