package dev.beacon.sdk.internal.cli;

import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns the status a CLI passes to {@code System.exit}, which Java does not give a shutdown hook.
 * Since JDK 21 {@code Runtime.exit} logs its status to the {@code java.lang.Runtime} logger at
 * DEBUG before the hooks run, if that logger is loggable at DEBUG. This makes it so and reads the
 * record in a {@link Filter} on that logger, which lets through exactly what the host's own
 * configuration would have let through: the host's handlers, its parent handlers and its own filter
 * see the same records as before (the level raised for us is not a record more for them). On an
 * older JDK, or when the host routes {@code System.Logger} elsewhere or replaces the filter, the
 * status stays unknown.
 */
public final class ExitCodeCapture implements Filter {
  public static final int UNKNOWN = Integer.MIN_VALUE;
  private static final Pattern STATUS = Pattern.compile("Runtime\\.exit\\((-?\\d+)\\)");
  private static final Pattern TAIL = Pattern.compile("status: (-?\\d+)");
  private static final ExitCodeCapture INSTANCE = new ExitCodeCapture();
  private static final Object INSTALL_LOCK = new Object();
  private static boolean installed; // guarded by INSTALL_LOCK
  // Held strongly: java.util.logging keeps loggers weakly, and our level would be forgotten.
  private static Logger runtimeLogger;

  private volatile int status = UNKNOWN;
  private volatile Level hostLevel;
  private volatile Filter hostFilter;

  public static void install() {
    synchronized (INSTALL_LOCK) {
      if (installed) {
        return;
      }
      try {
        Logger logger = Logger.getLogger("java.lang.Runtime");
        INSTANCE.hostLevel = logger.getLevel();
        INSTANCE.hostFilter = logger.getFilter();
        logger.setFilter(INSTANCE);
        if (!logger.isLoggable(Level.FINE)) {
          logger.setLevel(Level.FINE);
        }
        runtimeLogger = logger;
        installed = true;
      } catch (RuntimeException unavailable) {
        // a locked-down logging configuration: the exit code will be unknown
      }
    }
  }

  public static int status() {
    return INSTANCE.status;
  }

  @Override
  public boolean isLoggable(LogRecord r) {
    capture(r);
    if (!hostWouldLog(r.getLevel())) {
      return false;
    }
    Filter f = hostFilter;
    return f == null || f.isLoggable(r);
  }

  private void capture(LogRecord r) {
    Throwable t = r.getThrown();
    String text = t != null ? t.getMessage() : r.getMessage();
    if (text == null) {
      return;
    }
    Matcher m = STATUS.matcher(text);
    if (m.find()) {
      status = Integer.parseInt(m.group(1));
      return;
    }
    Matcher tail = TAIL.matcher(text);
    if (tail.find()) {
      status = Integer.parseInt(tail.group(1));
    }
  }

  /** Whether the logger's level as the host left it (its own, else its parents') passes this. */
  private boolean hostWouldLog(Level level) {
    Level effective = hostLevel;
    Logger logger = runtimeLogger;
    for (Logger p = logger == null ? null : logger.getParent();
        effective == null && p != null;
        p = p.getParent()) {
      effective = p.getLevel();
    }
    if (effective == null) {
      effective = Level.INFO; // the root's default
    }
    return effective.intValue() != Level.OFF.intValue() && level.intValue() >= effective.intValue();
  }
}
