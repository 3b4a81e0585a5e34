package dev.beacon.sdk;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Named daemon threads: the SDK must never be the reason the host's JVM stays alive. */
final class DaemonThreads {
  private DaemonThreads() {}

  static ThreadFactory factory(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
