package dev.beacon.sdk;

import dev.beacon.protocol.CommandFields;
import dev.beacon.protocol.ReportFields;
import dev.beacon.protocol.Wire;
import dev.beacon.sdk.internal.cli.ExitCodeCapture;
import dev.beacon.sdk.internal.cli.ProjectId;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.report.RandomIds;
import dev.beacon.sdk.internal.report.SystemFacts;
import dev.beacon.sdk.internal.thread.DaemonThreads;
import dev.beacon.sdk.internal.thread.FatalErrors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One run of a CLI command, as werf reports it: {@code CommandStarted} when it begins, {@code
 * CommandExited} with the exit code and the duration when it ends, whether by a normal return
 * ({@link #exited}), an exception (the product calls {@code exited(1)}, or {@code
 * beacon-sdk-picocli} does), or {@code System.exit} anywhere (a shutdown hook sends it, with the
 * real status on JDK 21+). Ending a run closes the {@link Beacon}. The exit waits for the network
 * at most the close timeout (50 ms with {@link BeaconBuilder#forCommandLine()}), counted from the
 * exit and including the wait for the command's preparation (reading the git origin and the
 * platform, at most half of it; a run whose preparation is late sends {@code CommandStarted}
 * without what was not read yet). What is not delivered by then is sent by a detached uploader or
 * the next run. Writing the run's events to the spool is the one thing the exit may wait longer
 * for, at most a second: it takes a few milliseconds, but a cold JVM on a starved core needs a
 * hundred or more, and without it the run's events would be lost, so that delivery would depend on
 * the machine's speed.
 *
 * @since 0.1.0
 */
public final class CommandRun {
  private static final long PREPARE_WAIT_MILLIS = 200;

  /** The longest an exit waits for its events to be spooled (see the class comment). */
  static final long SPOOL_WAIT_MILLIS = 1000;

  private final Beacon beacon;
  private final long closeTimeoutNanos;
  private final Map<String, Object> base;
  private final long startNanos = System.nanoTime();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final Thread hook;
  private volatile Thread preparing;
  // Held while CommandStarted is made and offered: the exit, which sends it if the preparation
  // has not, waits for a send under way on the preparing thread instead of closing under it (the
  // event then came after the close and was lost).
  private final Object startedLock = new Object();
  private boolean startedSent; // under startedLock
  private volatile List<CommandOption> options = List.of();
  private volatile long startedTs;
  private final CountDownLatch prepared = new CountDownLatch(1);

  private CommandRun(
      Beacon beacon, Map<String, Object> base, boolean tracked, long closeTimeoutNanos) {
    this.beacon = beacon;
    this.closeTimeoutNanos = closeTimeoutNanos;
    this.base = base;
    this.hook =
        tracked ? DaemonThreads.thread("beacon-command-exit", this::endedBySystemExit) : null;
  }

  static CommandRun start(
      Beacon beacon, Settings s, String command, Collection<CommandOption> options, boolean on) {
    boolean tracked = on && !s.untrackedCommands.contains(command);
    // Filled beside the command, read at its exit: synchronized, so that an exit that does not
    // wait for it to be complete never fails on it.
    CommandRun run =
        new CommandRun(
            beacon,
            Collections.synchronizedMap(new LinkedHashMap<>()),
            tracked,
            s.closeTimeout.toNanos());
    if (!tracked) {
      return run;
    }
    long ts = System.currentTimeMillis();
    run.options = new ArrayList<>(options);
    run.startedTs = ts;
    // What both events must carry is set here; the rest is read beside the command.
    run.base.put(CommandFields.TS, ts);
    run.base.put(CommandFields.EXECUTION_ID, RandomIds.v4().toString());
    run.base.put(CommandFields.COMMAND, command);
    run.base.put(Wire.SCHEMA_VERSION_FIELD, Wire.SCHEMA_VERSION);
    // On this thread, before the command can call System.exit: a few ms, for the real exit code.
    ExitCodeCapture.install();
    // Reading the git config and the platform, and the first use of java.util.logging, cost
    // milliseconds: a CLI's own start must not pay them, so they run beside the command.
    run.preparing = DaemonThreads.thread("beacon-" + s.product + "-command", () -> run.prepare(s));
    run.preparing.start();
    try {
      Runtime.getRuntime().addShutdownHook(run.hook);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is already exiting: the run ends with it
    }
    return run;
  }

  private void prepare(Settings s) {
    try {
      base.put(CommandFields.PROJECT_ID, ProjectId.of(s));
      Map<String, Object> attributes = new LinkedHashMap<>();
      String[] os = new SystemFacts().osNameAndVersion();
      attributes.put("os", System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT));
      attributes.put(ReportFields.OS_NAME, os[0]);
      attributes.put(ReportFields.ARCH, System.getProperty("os.arch", "unknown"));
      attributes.put(ReportFields.VERSION, s.version);
      if (s.channel != null) {
        attributes.put("channel", s.channel);
      }
      base.put(CommandFields.ATTRIBUTES, attributes);
      sendStarted();
    } catch (Throwable t) {
      FatalErrors.rethrowIfFatal(t);
      // never the host's problem: the run reports what it has
    } finally {
      prepared.countDown();
    }
  }

  /**
   * Sends {@code CommandStarted} once: when the preparation is done, or at the exit with what it
   * has by then (the exit does not wait long for a preparation stuck on a slow disk).
   */
  private void sendStarted() {
    synchronized (startedLock) {
      if (!startedSent) {
        startedSent = true;
        offerStarted();
      }
    }
  }

  /** Makes CommandStarted of what the run has, and tracks it (under {@link #startedLock}). */
  private void offerStarted() {
    List<Map<String, Object>> used = new ArrayList<>();
    for (CommandOption o : options) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(CommandFields.OPTION_NAME, o.name());
      m.put(CommandFields.OPTION_AS_CLI, o.asCli());
      m.put(CommandFields.OPTION_AS_ENV, o.asEnv());
      m.put(CommandFields.OPTION_COUNT, o.count());
      used.add(m);
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put(CommandFields.OPTIONS, used);
    Map<String, Object> started = event(data);
    started.put(CommandFields.TS, startedTs);
    beacon.track(CommandFields.COMMAND_STARTED, started);
  }

  /**
   * Waits for {@link #prepare} (it reads a few small files) so both events share their base.
   * Usually done long before; the wait counts against the exit's deadline and takes at most half of
   * it, so that a slow disk leaves the flush time to spool the events (security audit 2026-12,
   * L11).
   */
  private void awaitPrepared(long deadlineNanos) {
    long wait =
        Math.min(
            PREPARE_WAIT_MILLIS * 1_000_000,
            Math.min(closeTimeoutNanos / 2, deadlineNanos - System.nanoTime()));
    try {
      if (wait > 0) {
        prepared.await(wait, TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The command ended with this exit code: sends {@code CommandExited} and closes the Beacon,
   * waiting for the network at most the close timeout (see above). Idempotent; never throws.
   */
  public void exited(int exitCode) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway and finds the run ended
      }
    }
    finish(exitCode);
  }

  /** The command threw: exit code 1, as picocli and most CLIs answer an uncaught exception. */
  public void failed(Throwable error) {
    exited(1);
  }

  private void endedBySystemExit() {
    if (ended.compareAndSet(false, true)) {
      int status = ExitCodeCapture.status();
      finish(status == ExitCodeCapture.UNKNOWN ? -1 : status);
    }
  }

  /** The exit's deadlines: the close timeout for the network, the spool wait for spooling. */
  private void finish(int exitCode) {
    long now = System.nanoTime();
    long deadline = now + closeTimeoutNanos;
    long spoolDeadline = now + Math.max(closeTimeoutNanos, SPOOL_WAIT_MILLIS * 1_000_000);
    try {
      if (hook != null) {
        awaitPrepared(deadline);
        sendStarted();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put(CommandFields.EXIT_CODE, exitCode);
        data.put(CommandFields.DURATION_MS, (System.nanoTime() - startNanos) / 1_000_000);
        beacon.track(CommandFields.COMMAND_EXITED, event(data));
      }
    } finally {
      beacon.closeBy(deadline, spoolDeadline);
    }
  }

  private Map<String, Object> event(Map<String, Object> eventData) {
    Map<String, Object> e;
    synchronized (base) {
      e = new LinkedHashMap<>(base);
    }
    e.put(CommandFields.TS, System.currentTimeMillis());
    e.put(CommandFields.EVENT_DATA, eventData);
    return e;
  }
}
