package dev.beacon.server;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.slf4j.Logger;

/**
 * What the server process gives back and how much DuckDB may take: one place for its memory.
 *
 * <p>DuckDB's buffer manager would take 80 % of the machine's memory by default; Beacon limits it
 * to half the JVM's heap limit, between 128 MiB and 1 GiB ({@link #duckDbLimitBytes}), so that the
 * process stays within what its heap limit (`-Xmx`, or a quarter of the machine by default)
 * suggests. A long-running {@code serve} or {@code sink} also lets G1 give back the heap its start
 * used ({@link #settle}): a collection once started, and G1's idle collections and free ratios set
 * where the operator left them at their defaults.
 */
public final class Memory {
  static final long MIB = 1L << 20;

  /** G1 settings the server sets when the operator has not: idle collection, shrink sooner. */
  private static final Map<String, String> G1_IDLE =
      Map.of("G1PeriodicGCInterval", "60000", "MinHeapFreeRatio", "10", "MaxHeapFreeRatio", "30");

  private Memory() {}

  /** DuckDB's {@code memory_limit}: half the heap limit, at least 128 MiB, at most 1 GiB. */
  public static long duckDbLimitBytes() {
    return duckDbLimitBytes(Runtime.getRuntime().maxMemory());
  }

  static long duckDbLimitBytes(long maxHeap) {
    return Math.max(128 * MIB, Math.min(1024 * MIB, maxHeap / 2));
  }

  /**
   * Once a server has started (its store open, its dedup window loaded): G1's idle settings where
   * they are at their defaults, then one collection, so that the heap committed while starting is
   * given back to the system instead of staying resident while idle.
   */
  public static void settle(Logger log) {
    try {
      HotSpotDiagnosticMXBean hotspot =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (hotspot != null && "true".equals(hotspot.getVMOption("UseG1GC").getValue())) {
        for (Map.Entry<String, String> o : G1_IDLE.entrySet()) {
          VMOption current = hotspot.getVMOption(o.getKey());
          if (current.getOrigin() == VMOption.Origin.DEFAULT && current.isWriteable()) {
            hotspot.setVMOption(o.getKey(), o.getValue());
          }
        }
      }
    } catch (RuntimeException e) {
      log.debug("G1's idle settings left as they were: {}", e.toString());
    }
    System.gc(); // once, at start: what loading the store allocated goes back to the system
  }
}
