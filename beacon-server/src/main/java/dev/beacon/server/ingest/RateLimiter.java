package dev.beacon.server.ingest;

import dev.beacon.server.ingest.IngestException.Problem;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets, one per source (a write key, or the EMQX endpoint as a whole): {@code rate}
 * requests per second, bursts up to {@code burst}. Keys are product names, never client addresses,
 * which Beacon does not keep even in memory.
 */
public final class RateLimiter {
  private final double ratePerSecond;
  private final double burst;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  public RateLimiter(double ratePerSecond, int burst) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
  }

  /** Takes one token or refuses with 429 and the seconds until one is free. */
  public void acquire(String source) {
    Bucket b = buckets.computeIfAbsent(source, k -> new Bucket(burst, System.nanoTime()));
    long wait = b.take(ratePerSecond, burst);
    if (wait > 0) {
      throw new IngestException(
          Problem.RATE_LIMITED,
          "rate_limited",
          "more than " + ratePerSecond + " requests per second for " + source,
          wait);
    }
  }

  private static final class Bucket {
    private double tokens;
    private long lastNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.lastNanos = now;
    }

    /**
     * @return 0 when a token was taken, else whole seconds until one is there
     */
    synchronized long take(double rate, double burst) {
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
