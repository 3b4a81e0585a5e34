package dev.beacon.bench.harness;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a host lives through when the endpoint is dead: many calls, then shutdown. Sends {@code
 * calls} events (10 M by default) as fast as one thread can, measures the heap the SDK retains
 * afterwards (used heap after a full GC, minus the same before the SDK was built), times {@code
 * close()}, lists the non-daemon threads still alive, and returns from {@code main} without {@code
 * System.exit}: whether the JVM then exits by itself is for the runner to see.
 *
 * <p>Two guards keep the machine usable: sending stops early once the SDK holds more than {@code
 * bench.stopAtMb} (1024 MB by default; the figure is then a lower bound, and says so), and {@code
 * close()} is waited for at most {@code bench.closeWaitSeconds} (120 s).
 *
 * <p>The result is one line on standard output, {@code BENCH-RESULT {json}}; then {@code
 * BENCH-RETURNED} when {@code main} returns.
 */
public final class Lifecycle {
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private Lifecycle() {}

  /**
   * {@code java -cp peer-NAME.jar dev.beacon.bench.harness.Lifecycle CLIENT-CLASS [calls]}: the
   * client class has a public constructor taking the endpoint's {@link URI}; calls default to 10 M.
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: Lifecycle CLIENT-CLASS [calls]");
      System.exit(2);
    }
    var constructor = Class.forName(args[0]).asSubclass(Client.class).getConstructor(URI.class);
    long calls = args.length > 1 ? Long.parseLong(args[1].replace("_", "")) : 10_000_000L;
    String result =
        run(
            calls,
            uri -> {
              try {
                return constructor.newInstance(uri);
              } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot build " + args[0], e);
              }
            });
    System.out.println("BENCH-RESULT " + result);
    System.out.println("BENCH-RETURNED");
    System.out.flush();
  }

  /** Sends, measures, closes; the figures as a JSON object. */
  public static String run(long calls, Function<URI, Client> sdk) throws Exception {
    long stopAt = Long.getLong("bench.stopAtMb", 1024) << 20;
    int closeWait = Integer.getInteger("bench.closeWaitSeconds", 120);
    Map<String, Object> properties = Peer.tenProperties();
    URI dead = Peer.endpoint("dead");

    long before = heapAfterGc();
    Client client = sdk.apply(dead);
    long sent = 0;
    boolean stopped = false;
    String failure = null;
    long start = System.nanoTime();
    try {
      for (; sent < calls; sent++) {
        client.send(Peer.EVENT, properties);
        if ((sent & 0x3FFF) == 0 && sent > 0 && heapUsed() - before > stopAt) {
          if (heapAfterGc() - before > stopAt) {
            stopped = true;
            break;
          }
        }
      }
    } catch (OutOfMemoryError e) {
      failure = "OutOfMemoryError after " + sent + " calls";
    } catch (RuntimeException e) {
      failure = e.toString();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Thread.sleep(1000); // let the SDK's own threads take what they will from the queue
    long retained = heapAfterGc() - before;

    long closeStart = System.nanoTime();
    boolean closed = Peer.closeWithin(client, closeWait);
    long closeMs = (System.nanoTime() - closeStart) / 1_000_000;
    Thread.sleep(200);
    List<String> threads = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && !t.isDaemon() && t != Thread.currentThread()) {
        threads.add(t.getName());
      }
    }
    StringBuilder json = new StringBuilder("{");
    json.append("\"calls\":").append(sent);
    json.append(",\"seconds\":").append(seconds);
    json.append(",\"callsPerSecond\":").append(sent / Math.max(seconds, 1e-9));
    json.append(",\"retainedBytes\":").append(retained);
    json.append(",\"stoppedAtLimit\":").append(stopped);
    json.append(",\"failure\":").append(failure == null ? "null" : quote(failure));
    json.append(",\"closeMs\":").append(closeMs);
    json.append(",\"closeReturned\":").append(closed);
    json.append(",\"nonDaemonThreads\":[");
    for (int i = 0; i < threads.size(); i++) {
      json.append(i == 0 ? "" : ",").append(quote(threads.get(i)));
    }
    return json.append("]}").toString();
  }

  private static long heapUsed() {
    return MEMORY.getHeapMemoryUsage().getUsed();
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return heapUsed();
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
