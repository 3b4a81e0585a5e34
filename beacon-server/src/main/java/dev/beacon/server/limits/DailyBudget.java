package dev.beacon.server.limits;

import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Bytes an anonymous endpoint may store per UTC day: past the budget it answers 429 until midnight.
 * The EMQX endpoint takes no credentials, so without it anyone could fill the disk (50 reports a
 * second of 64 KiB is 276 GB a day).
 */
public final class DailyBudget {
  private final long maxBytes;
  private final Clock clock;
  private final Object lock = new Object();
  private LocalDate day;
  private long spent;

  public DailyBudget(long maxBytes) {
    this(maxBytes, Clock.systemUTC());
  }

  public DailyBudget(long maxBytes, Clock clock) {
    this.maxBytes = maxBytes;
    this.clock = clock;
  }

  /** Refuses with 429 when today's budget is spent. */
  public void requireLeft() {
    synchronized (lock) {
      roll();
      if (spent >= maxBytes) {
        long untilMidnight =
            Duration.between(
                    clock.instant(), day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC))
                .toSeconds();
        throw new Refusal(
            Kind.RATE_LIMITED,
            "daily_budget_spent",
            "this endpoint has stored its " + maxBytes + " bytes for today (UTC); retry tomorrow",
            Math.max(1, untilMidnight));
      }
    }
  }

  public void spend(long bytes) {
    synchronized (lock) {
      roll();
      spent += bytes;
    }
  }

  private void roll() {
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    if (!today.equals(day)) {
      day = today;
      spent = 0;
    }
  }
}
