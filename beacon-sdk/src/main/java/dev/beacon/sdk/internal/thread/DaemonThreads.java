package dev.beacon.sdk.internal.thread;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one place the SDK makes threads: named (so an operator's thread dump says whose they are) and
 * daemon, since the SDK must never be the reason the host's JVM stays alive.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Threads of a pool, numbered: {@code <name>-1}, {@code <name>-2}... */
  public static ThreadFactory factory(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> thread(name + "-" + n.incrementAndGet(), r);
  }

  /** One thread of that exact name, not started (a worker, or a shutdown hook). */
  public static Thread thread(String name, Runnable task) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    return t;
  }
}
