package dev.beacon.sdk;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns the status a CLI passes to {@code System.exit}, which Java does not give a shutdown hook.
 * Since JDK 21 {@code Runtime.exit} logs its status to the {@code java.lang.Runtime} logger at
 * DEBUG before the hooks run; this listens there, silently (nothing reaches the console). On an
 * older JDK, or when the host routes {@code System.Logger} elsewhere, the status stays unknown.
 */
final class ExitCodeCapture extends Handler {
  static final int UNKNOWN = Integer.MIN_VALUE;
  private static final Pattern STATUS = Pattern.compile("Runtime\\.exit\\((-?\\d+)\\)");
  private static final ExitCodeCapture INSTANCE = new ExitCodeCapture();
  private static volatile boolean installed;
  // Held strongly: java.util.logging keeps loggers weakly, and our level would be forgotten.
  private static Logger runtimeLogger;

  private volatile int status = UNKNOWN;

  static synchronized void install() {
    if (installed) {
      return;
    }
    try {
      runtimeLogger = Logger.getLogger("java.lang.Runtime");
      runtimeLogger.setLevel(Level.FINE);
      runtimeLogger.setUseParentHandlers(false);
      runtimeLogger.addHandler(INSTANCE);
      installed = true;
    } catch (RuntimeException unavailable) {
      // a locked-down logging configuration: the exit code will be unknown
    }
  }

  static int status() {
    return INSTANCE.status;
  }

  @Override
  public void publish(LogRecord r) {
    Throwable t = r.getThrown();
    String text = t != null ? t.getMessage() : r.getMessage();
    if (text != null) {
      Matcher m = STATUS.matcher(text);
      if (m.find()) {
        status = Integer.parseInt(m.group(1));
        return;
      }
      Matcher tail = Pattern.compile("status: (-?\\d+)").matcher(text);
      if (tail.find()) {
        status = Integer.parseInt(tail.group(1));
      }
    }
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
