package dev.beacon.sdk.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void backoffGrowsWithJitterAndNeverShortensRetryAfter() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
    long first = b.nextDelayMillis(0);
    long second = b.nextDelayMillis(0);
    long third = b.nextDelayMillis(0);
    assertThat(first).isBetween(500L, 1000L);
    assertThat(second).isBetween(1000L, 2000L);
    assertThat(third).isBetween(2000L, 4000L);
    for (int i = 0; i < 20; i++) {
      assertThat(b.nextDelayMillis(0)).isLessThanOrEqualTo(60_000L);
    }
    assertThat(b.nextDelayMillis(30_000)).isBetween(30_000L, 33_000L);
    b.reset();
    assertThat(b.nextDelayMillis(0)).isBetween(500L, 1000L);
  }
}
