package dev.beacon.server.limits;

import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.config.ServerConfig;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One limit for every check of the admin password, HTTP Basic on an admin route and the dashboard's
 * login alike. Only failed checks count, and a check is reserved before it runs, so that parallel
 * guesses cannot overdraw it.
 *
 * <ul>
 *   <li>Per client: a few failures, then one more per interval; past that, 429 with Retry-After
 *       before any password is checked. Guessing from one address stays slow.
 *   <li>Global: failures from all clients together. When it is spent, only clients that have not
 *       logged in within the trust period are refused: an attacker spread over many addresses slows
 *       guessing down for newcomers, but cannot lock out an admin who logged in from the same
 *       address recently.
 * </ul>
 *
 * A client is its address (an IPv6 one by its /64, which one host usually has whole), known here
 * only as an HMAC under a key made at start and never kept: nothing that names a client is stored,
 * logged, or survives a restart. Both maps are bounded, the oldest entry dropped first.
 */
public final class LoginLimiter {
  private static final int MAX_CLIENTS = 10_000;
  private static final int MAX_TRUSTED = 1_000;

  private final ServerConfig.LoginLimits limits;
  private final LongSupplier nanoTime;
  private final SourceKeys keys = new SourceKeys();
  private final Object lock = new Object();
  private final Map<String, Bucket> clients = bounded(MAX_CLIENTS);
  private final Map<String, Long> lastSuccessNanos = bounded(MAX_TRUSTED);
  private final Bucket global;

  public LoginLimiter(ServerConfig.LoginLimits limits, LongSupplier nanoTime) {
    this.limits = limits;
    this.nanoTime = nanoTime;
    this.global =
        new Bucket(limits.globalFailures(), limits.globalRefill().toNanos(), nanoTime.getAsLong());
  }

  /** The outcome of one reserved check; exactly one of its methods is called. */
  public interface Attempt {
    void succeeded();

    void failed();

    /** No password was checked after all (the check itself was busy). */
    void notChecked();
  }

  /**
   * Reserves one check for this client.
   *
   * @throws Refusal RATE_LIMITED (429, Retry-After) when the client or the server is out
   */
  public Attempt begin(InetAddress client) {
    String key = key(client);
    synchronized (lock) {
      long now = nanoTime.getAsLong();
      Bucket mine = clients.get(key);
      if (mine == null) {
        mine = new Bucket(limits.failuresPerClient(), limits.clientRefill().toNanos(), now);
        clients.put(key, mine);
      }
      if (!mine.take(now)) {
        throw refused("too many failed logins from this client", mine.secondsUntilOne(now));
      }
      Long success = lastSuccessNanos.get(key);
      boolean trusted = success != null && now - success < limits.trustSuccessFor().toNanos();
      if (!trusted && !global.take(now)) {
        mine.refund(now);
        throw refused("too many failed logins to this server", global.secondsUntilOne(now));
      }
      return new Reserved(key, mine, trusted);
    }
  }

  private static Refusal refused(String why, long seconds) {
    return new Refusal(
        Kind.RATE_LIMITED, "too_many_attempts", why + "; retry in " + seconds + " s", seconds);
  }

  private final class Reserved implements Attempt {
    private final String key;
    private final Bucket client;
    private final boolean trusted;

    Reserved(String key, Bucket client, boolean trusted) {
      this.key = key;
      this.client = client;
      this.trusted = trusted;
    }

    @Override
    public void succeeded() {
      synchronized (lock) {
        long now = nanoTime.getAsLong();
        client.refill(now);
        if (!trusted) {
          global.refund(now);
        }
        lastSuccessNanos.remove(key); // re-inserted last: the most recent is evicted last
        lastSuccessNanos.put(key, now);
      }
    }

    @Override
    public void failed() {
      // the reserved tokens stay spent
    }

    @Override
    public void notChecked() {
      synchronized (lock) {
        long now = nanoTime.getAsLong();
        client.refund(now);
        if (!trusted) {
          global.refund(now);
        }
      }
    }
  }

  private String key(InetAddress address) {
    return keys.of(address);
  }

  private static <V> Map<String, V> bounded(int max) {
    return new LinkedHashMap<>() {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > max;
      }
    };
  }

  /** Failures allowed: {@code capacity} at once, one more every {@code refillNanos}. */
  private static final class Bucket {
    private final double capacity;
    private final long refillNanos;
    private double tokens;
    private long lastNanos;

    Bucket(int capacity, long refillNanos, long now) {
      this.capacity = capacity;
      this.refillNanos = refillNanos;
      this.tokens = capacity;
      this.lastNanos = now;
    }

    boolean take(long now) {
      catchUp(now);
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }

    void refund(long now) {
      catchUp(now);
      tokens = Math.min(capacity, tokens + 1);
    }

    void refill(long now) {
      catchUp(now);
      tokens = capacity;
    }

    long secondsUntilOne(long now) {
      catchUp(now);
      double nanos = (1 - tokens) * refillNanos;
      return Math.max(1, (long) Math.ceil(nanos / 1e9));
    }

    private void catchUp(long now) {
      tokens = Math.min(capacity, tokens + (double) (now - lastNanos) / refillNanos);
      lastNanos = now;
    }
  }
}
