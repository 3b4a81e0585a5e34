package dev.beacon.server;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;

/**
 * The server's own threads, made in one place: named (a thread dump says what each does), daemon
 * (none keeps a stopping JVM alive), and their tasks guarded: a scheduled task that throws is never
 * run again by its executor, so a guarded one logs what it threw and goes on, except for a fatal
 * error, which it lets through.
 */
public final class Background {
  private Background() {}

  /** Daemon threads called {@code name}, then {@code name-2}, {@code name-3}... */
  public static ThreadFactory threads(String name) {
    AtomicInteger made = new AtomicInteger();
    return task -> {
      int n = made.incrementAndGet();
      Thread t = new Thread(task, n == 1 ? name : name + "-" + n);
      t.setDaemon(true);
      return t;
    };
  }

  /** A scheduler of one daemon thread called {@code name}. */
  public static ScheduledExecutorService scheduler(String name) {
    return Executors.newSingleThreadScheduledExecutor(threads(name));
  }

  /**
   * Runs the task every {@code period} (after the previous run ended), guarded: the scheduler never
   * drops it, so the future it would return holds nothing worth keeping.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // guarded: its future never fails
  public static void repeat(
      ScheduledExecutorService scheduler,
      String what,
      Logger log,
      Runnable task,
      Duration initialDelay,
      Duration period) {
    scheduler.scheduleWithFixedDelay(
        guarded(what, log, task),
        initialDelay.toMillis(),
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * The task, surviving whatever one run of it throws but a fatal error (logged at WARN with its
   * class only: a message may quote stored data).
   */
  public static Runnable guarded(String what, Logger log, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Throwable t) {
        rethrowIfFatal(t);
        log.warn("{} failed: {}; it runs again at its next time", what, t.getClass().getName());
      }
    };
  }

  /**
   * Whether nothing sensible can go on after it: the JVM is out of memory or stack, or classes do
   * not link. Such an error ends the thread rather than being caught and retried forever.
   */
  public static boolean fatal(Throwable t) {
    return t instanceof VirtualMachineError || t instanceof LinkageError;
  }

  public static void rethrowIfFatal(Throwable t) {
    if (t instanceof VirtualMachineError e) {
      throw e;
    }
    if (t instanceof LinkageError e) {
      throw e;
    }
  }
}
