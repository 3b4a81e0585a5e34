package dev.beacon.server.limits;

import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets, one per source (a write key, the EMQX endpoint as a whole, or one sender of it as
 * a {@link SourceKeys} hash, never an address): {@code rate} requests per second, bursts up to
 * {@code burst}. At most {@link #MAX_SOURCES} buckets: past that, idle ones (full again) are
 * forgotten, and if none is idle a new source is refused rather than memory grown.
 */
public final class RateLimiter {
  private final double ratePerSecond;
  private final double burst;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  static final int MAX_SOURCES = 100_000;

  public RateLimiter(double ratePerSecond, int burst) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
  }

  /** Takes one token or refuses with 429 and the seconds until one is free. */
  public void acquire(String source) {
    acquire(source, source);
  }

  /** As {@link #acquire(String)}, naming the source in the refusal as {@code shown}. */
  public void acquire(String source, String shown) {
    Bucket b = buckets.get(source);
    if (b == null) {
      if (buckets.size() >= MAX_SOURCES) {
        forgetIdle();
        if (buckets.size() >= MAX_SOURCES) {
          throw new Refusal(
              Kind.RATE_LIMITED, "rate_limited", "too many senders at once; retry later", 5);
        }
      }
      b = buckets.computeIfAbsent(source, k -> new Bucket(burst, System.nanoTime()));
    }
    long wait = b.take(ratePerSecond, burst);
    if (wait > 0) {
      throw new Refusal(
          Kind.RATE_LIMITED,
          "rate_limited",
          "more than " + ratePerSecond + " requests per second for " + shown,
          wait);
    }
  }

  private void forgetIdle() {
    buckets.values().removeIf(b -> b.idle(ratePerSecond, burst));
  }

  int sources() {
    return buckets.size();
  }

  private static final class Bucket {
    private final Object lock = new Object();
    private double tokens;
    private long lastNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.lastNanos = now;
    }

    /**
     * @return 0 when a token was taken, else whole seconds until one is there
     */
    boolean idle(double rate, double burst) {
      synchronized (lock) {
        return tokens + (System.nanoTime() - lastNanos) / 1e9 * rate >= burst;
      }
    }

    long take(double rate, double burst) {
      synchronized (lock) {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - lastNanos) / 1e9 * rate);
        lastNanos = now;
        if (tokens >= 1) {
          tokens -= 1;
          return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / rate));
      }
    }
  }
}
