package dev.beacon.sdk.internal.delivery;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delay before the next delivery attempt: exponential from one second up to ten minutes, with
 * "equal jitter" (half fixed, half random) so a fleet that lost its server does not come back in
 * step. A server's {@code Retry-After} is a floor, never shortened; it is capped at a day so a
 * hostile or broken server cannot silence a client for ever.
 */
final class Backoff {
  static final long MAX_RETRY_AFTER_MILLIS = 24 * 3_600_000L;

  private final long baseMillis;
  private final long maxMillis;
  private int failures;

  Backoff(Duration base, Duration max) {
    this.baseMillis = Math.max(1, base.toMillis());
    this.maxMillis = Math.max(baseMillis, max.toMillis());
  }

  long nextDelayMillis(long retryAfterMillis) {
    int n = Math.min(failures++, 30);
    long exp = Math.min(maxMillis, baseMillis << n);
    long jittered = exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
    if (retryAfterMillis > 0) {
      long floor = Math.min(retryAfterMillis, MAX_RETRY_AFTER_MILLIS);
      return floor + ThreadLocalRandom.current().nextLong(floor / 10 + 1);
    }
    return jittered;
  }

  /**
   * The delay after an answer that will not change by itself (a refused key, a proxy's 404): the
   * longest one, jittered the same way, and never shorter than {@code Retry-After}.
   */
  long longestDelayMillis(long retryAfterMillis) {
    failures++;
    long jittered = maxMillis / 2 + ThreadLocalRandom.current().nextLong(maxMillis / 2 + 1);
    if (retryAfterMillis > 0) {
      long floor = Math.min(retryAfterMillis, MAX_RETRY_AFTER_MILLIS);
      return Math.max(jittered, floor + ThreadLocalRandom.current().nextLong(floor / 10 + 1));
    }
    return jittered;
  }

  void reset() {
    failures = 0;
  }

  long maxMillis() {
    return maxMillis;
  }

  int failures() {
    return failures;
  }
}
