package dev.beacon.sdk.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Security audit 2026-12, L11: capturing the exit code used to set {@code
 * setUseParentHandlers(false)} on the host's {@code java.lang.Runtime} logger, silencing the host's
 * own handlers for it.
 */
class ExitCodeCaptureTest {
  /** A host's handler on the root logger, as a logging configuration would install it. */
  static final class Recording extends Handler {
    final List<LogRecord> records = new CopyOnWriteArrayList<>();

    @Override
    public void publish(LogRecord r) {
      if (isLoggable(r)) {
        records.add(r);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  @Test
  void theExitCodeIsReadWhileTheHostsHandlersSeeExactlyWhatTheyDidBefore() {
    Logger root = Logger.getLogger("");
    Level rootLevel = root.getLevel();
    Recording host = new Recording();
    host.setLevel(Level.ALL); // the host's handler takes everything its loggers let through
    root.setLevel(Level.INFO);
    root.addHandler(host);
    try {
      ExitCodeCapture.install();
      Logger runtime = Logger.getLogger("java.lang.Runtime");
      assertThat(runtime.getUseParentHandlers()).isTrue();
      assertThat(runtime.getHandlers()).isEmpty();

      runtime.log(Level.WARNING, "the host's own warning");
      // What JDK 21+ logs in Runtime.exit, at DEBUG: loggable now, for the capture only.
      runtime.log(Level.FINE, "Runtime.exit() logging", new Throwable("Runtime.exit(42)"));
      assertThat(ExitCodeCapture.status()).isEqualTo(42);
      assertThat(host.records)
          .extracting(LogRecord::getMessage)
          .containsExactly("the host's own warning");

      // A host that asks for the DEBUG record gets it, as it would without the SDK.
      root.setLevel(Level.ALL);
      runtime.log(Level.FINE, "Runtime.exit() logging", new Throwable("Runtime.exit(3)"));
      assertThat(ExitCodeCapture.status()).isEqualTo(3);
      assertThat(host.records).hasSize(2);
    } finally {
      root.removeHandler(host);
      root.setLevel(rootLevel);
    }
  }
}
