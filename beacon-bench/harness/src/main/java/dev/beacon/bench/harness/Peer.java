package dev.beacon.bench.harness;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What every SDK gets alike: the endpoint of a scenario and the event's ten properties.
 *
 * <p>The endpoints are served by the benchmark runner in a JVM of its own ({@code BenchRun}) and
 * handed over as system properties, so the JVM under test carries only the SDK: {@code
 * -Dbench.endpoint.alive=http://127.0.0.1:P} (a sink answering 200 to any POST), {@code
 * bench.endpoint.dead} (a port nothing listens on: connection refused) and {@code
 * bench.endpoint.blackhole} (accepts connections, never reads nor answers).
 */
public final class Peer {
  /**
   * The scenarios, in the order the tables show them ({@link SendBenchmark}'s parameter values).
   */
  public static final List<String> SCENARIOS = List.of("alive", "dead", "blackhole");

  public static final String EVENT = "rule_created";

  private Peer() {}

  /** The endpoint of {@code scenario}, as the runner set it. */
  public static URI endpoint(String scenario) {
    String key = "bench.endpoint." + scenario;
    String value = System.getProperty(key);
    if (value == null) {
      throw new IllegalStateException(
          "system property "
              + key
              + " is not set: run the benchmarks through bench/run, which serves the endpoints");
    }
    return URI.create(value);
  }

  /**
   * Calls {@code call} {@code rate} times a second for {@code seconds}, paced by the millisecond
   * and parked in between (a host does its own work there, and a spinning pacer would take a core
   * from the SDK's threads and the server on a 2-core machine).
   *
   * @return the calls made, and the bytes the calling thread allocated meanwhile (the pacing itself
   *     allocates none: what is counted is the SDK's, on the host's thread)
   */
  public static Paced paced(int rate, int seconds, Runnable call) {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long total = (long) rate * seconds;
    long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
    long start = System.nanoTime();
    long sent = 0;
    for (long ms = 1; sent < total; ms++) {
      long due = Math.min(total, rate * ms / 1000);
      for (; sent < due; sent++) {
        call.run();
      }
      long left = start + ms * 1_000_000L - System.nanoTime();
      if (left > 0) {
        LockSupport.parkNanos(left);
      }
    }
    return new Paced(sent, threads.getCurrentThreadAllocatedBytes() - allocatedBefore);
  }

  /** What {@link #paced} did: calls made, and the bytes its thread allocated in them. */
  public record Paced(long calls, long allocatedBytes) {
    /** The bytes a call allocated on the caller's thread, on average. */
    public double bytesPerCall() {
      return calls == 0 ? 0 : (double) allocatedBytes / calls;
    }
  }

  /** Ten properties of the usual kinds (strings, numbers, a boolean), built once by the caller. */
  public static Map<String, Object> tenProperties() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("kind", "republish");
    p.put("region", "eu-west-1");
    p.put("edition", "opensource");
    p.put("version", "5.8.1");
    p.put("plugin", "emqx_retainer");
    p.put("rules", 12);
    p.put("connections", 1834L);
    p.put("cpu_load", 0.42);
    p.put("clustered", true);
    p.put("retries", 3);
    return Collections.unmodifiableMap(p);
  }

  /**
   * Closes {@code client} on a daemon thread and waits at most {@code seconds}: a JMH trial must
   * end even for an SDK whose close waits a minute on a dead endpoint (that time is measured by
   * {@link Lifecycle}, with a longer wait). True if {@code close()} returned in time.
   */
  public static boolean closeWithin(Client client, int seconds) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    Thread t =
        new Thread(
            () -> {
              try {
                client.close();
              } catch (Exception e) {
                System.err.println("close() failed: " + e);
              } finally {
                done.countDown();
              }
            },
            "bench-close");
    t.setDaemon(true);
    t.start();
    return done.await(seconds, TimeUnit.SECONDS);
  }
}
