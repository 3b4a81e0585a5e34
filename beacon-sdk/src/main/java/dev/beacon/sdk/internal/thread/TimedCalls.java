package dev.beacon.sdk.internal.thread;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Product code run with a deadline on a few daemon threads (report sections, agent sources). A call
 * that overruns is abandoned, and the same name is not started again while it still runs, so a hung
 * supplier holds one thread at most, never more at every report.
 */
public final class TimedCalls implements AutoCloseable {
  /** Why a call was not started. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    public final boolean stillRunning;

    Refused(boolean stillRunning) {
      super(null, null, false, false);
      this.stillRunning = stillRunning;
    }
  }

  private final ThreadPoolExecutor pool;

  /** Names whose call has not returned yet, even if its caller gave up waiting. */
  private final Set<String> running = ConcurrentHashMap.newKeySet();

  /** Names whose supplier has been entered (not merely queued). */
  private final Set<String> calling = ConcurrentHashMap.newKeySet();

  public TimedCalls(String threadName, int threads) {
    pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(64),
            DaemonThreads.factory(threadName));
    pool.allowCoreThreadTimeOut(true);
  }

  public <T> Future<T> start(String name, Supplier<T> call) throws Refused {
    if (!running.add(name)) {
      throw new Refused(true);
    }
    try {
      return pool.submit(
          () -> {
            calling.add(name);
            try {
              return call.get();
            } finally {
              calling.remove(name);
              running.remove(name);
            }
          });
    } catch (RejectedExecutionException busy) {
      running.remove(name);
      throw new Refused(false);
    }
  }

  /** Waits until the deadline; a late call is cancelled (and released if it never began). */
  public <T> T await(String name, Future<T> f, long deadlineNanos)
      throws TimeoutException, ExecutionException, InterruptedException {
    try {
      return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException slow) {
      if (f.cancel(true) && !calling.contains(name)) {
        running.remove(name); // cancelled before it began: its finally will never run
      }
      throw slow;
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
