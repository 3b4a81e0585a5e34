package dev.beacon.sdk;

import dev.beacon.sdk.internal.thread.DaemonThreads;
import dev.beacon.sdk.internal.thread.FatalErrors;
import dev.beacon.sdk.internal.thread.TimedCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A cluster agent in the manner of DC/OS Signal: on a schedule it reads each declared {@link
 * Source} (all at once, each within its own timeout) and sends one event per source, named after
 * it, whose {@code anonymousId} and {@code clusterId} are the cluster's id. A failing or slow
 * source is skipped for that run and delays no other. Events go through the {@link Beacon}, so
 * consent, spool, delivery and the log file are the same as for every other event.
 *
 * <p>While telemetry is off the agent does nothing at all: no scheduler thread, no source read, no
 * socket. {@link #start} then waits for telemetry to be turned on at runtime, and a pass skips
 * every source.
 *
 * @since 0.1.0
 */
public final class SourceAgent implements AutoCloseable {
  private final Beacon beacon;
  private final String clusterId;
  private final Map<String, Object> common;
  private final List<Source> sources;
  private final Duration interval;
  private final TimedCalls calls;
  private final Object lock = new Object();
  private boolean startWanted;
  private boolean closed;
  private ScheduledExecutorService schedule;

  private SourceAgent(Builder b) {
    this.beacon = b.beacon;
    this.clusterId = b.clusterId;
    this.common = new LinkedHashMap<>(b.common);
    this.common.put("clusterId", b.clusterId);
    this.common.put("customerKey", b.customerKey);
    this.sources = List.copyOf(b.sources);
    this.interval = b.interval;
    this.calls = new TimedCalls("beacon-source", Math.max(1, Math.min(8, sources.size())));
  }

  /** Starts an agent for a Beacon. */
  public static Builder builder(Beacon beacon) {
    return new Builder(beacon);
  }

  /**
   * Polls now, then every interval, on one daemon thread. Idempotent. While telemetry is off it
   * starts nothing, and starts when telemetry is turned on at runtime.
   */
  public void start() {
    synchronized (lock) {
      if (startWanted || closed) {
        return;
      }
      startWanted = true;
      beacon.whenEnabled(this::startSchedule);
    }
    startSchedule();
  }

  private void startSchedule() {
    synchronized (lock) {
      if (schedule != null || closed || !beacon.collecting()) {
        return;
      }
      schedule =
          Executors.newSingleThreadScheduledExecutor(DaemonThreads.factory("beacon-source-agent"));
      // runQuietly survives what a run throws: its future never holds an exception to read.
      var unused =
          schedule.scheduleWithFixedDelay(
              this::runQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /**
   * One pass over every source, as a systemd timer (or Signal's {@code -test}) would run it.
   *
   * @return per source, {@code "sent"} or why it was skipped (every source is skipped, unread,
   *     while telemetry is off)
   */
  public Map<String, String> runOnce() {
    Map<String, Future<Map<String, Object>>> started = new LinkedHashMap<>();
    Map<String, String> outcome = new LinkedHashMap<>();
    if (!beacon.collecting()) {
      for (Source s : sources) {
        outcome.put(s.event(), "skipped: telemetry is off or closed");
      }
      return outcome;
    }
    for (Source s : sources) {
      try {
        started.put(s.event(), calls.start(s.event(), s::poll));
      } catch (TimedCalls.Refused r) {
        outcome.put(
            s.event(),
            r.stillRunning
                ? "skipped: still running since an earlier pass"
                : "skipped: every source thread is busy");
      }
    }
    long start = System.nanoTime();
    for (Source s : sources) {
      Future<Map<String, Object>> f = started.get(s.event());
      if (f == null) {
        continue;
      }
      try {
        Map<String, Object> props = new LinkedHashMap<>(common);
        props.putAll(calls.await(s.event(), f, start + s.timeout().toNanos()));
        beacon.track(s.event(), props, clusterId);
        outcome.put(s.event(), "sent");
      } catch (TimeoutException slow) {
        outcome.put(s.event(), "skipped: no answer within " + s.timeout().toMillis() + " ms");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        outcome.put(
            s.event(),
            "skipped: "
                + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        outcome.put(s.event(), "skipped: interrupted");
      } catch (RuntimeException e) {
        outcome.put(s.event(), "skipped: " + e.getClass().getSimpleName());
      }
    }
    return outcome;
  }

  private void runQuietly() {
    try {
      runOnce();
    } catch (Throwable t) {
      // The next pass tries again: a scheduled task that throws is never run again, so the
      // schedule must survive everything that is not fatal.
      FatalErrors.rethrowIfFatal(t);
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (schedule != null) {
        schedule.shutdownNow();
      }
    }
    calls.close();
  }

  /** Configures a {@link SourceAgent}. */
  public static final class Builder {
    private final Beacon beacon;
    private String clusterId;
    private String customerKey = "";
    private final Map<String, Object> common = new LinkedHashMap<>();
    private final List<Source> sources = new ArrayList<>();
    private Duration interval = Duration.ofHours(1);

    private Builder(Beacon beacon) {
      this.beacon = Objects.requireNonNull(beacon, "beacon");
    }

    /** The cluster's id: every event's {@code anonymousId} and {@code clusterId}. Required. */
    public Builder clusterId(String clusterId) {
      if (clusterId == null || clusterId.isBlank()) {
        throw new IllegalArgumentException("clusterId must not be blank");
      }
      this.clusterId = clusterId;
      return this;
    }

    /** A key the product's customer may set (DC/OS's {@code customerKey}); empty by default. */
    public Builder customerKey(String customerKey) {
      this.customerKey = Objects.requireNonNull(customerKey, "customerKey");
      return this;
    }

    /** A property every event carries, such as {@code environmentVersion} or {@code variant}. */
    public Builder property(String name, Object value) {
      common.put(Objects.requireNonNull(name, "name"), value);
      return this;
    }

    public Builder source(Source source) {
      Objects.requireNonNull(source, "source");
      for (Source s : sources) {
        if (s.event().equals(source.event())) {
          throw new IllegalArgumentException("a source for event '" + source.event() + "' exists");
        }
      }
      sources.add(source);
      return this;
    }

    /** Time between passes; 1 hour. */
    public Builder interval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isZero() || interval.isNegative()) {
        throw new IllegalArgumentException("interval must be positive: " + interval);
      }
      this.interval = interval;
      return this;
    }

    public SourceAgent build() {
      if (clusterId == null) {
        throw new IllegalArgumentException("clusterId is required");
      }
      if (sources.isEmpty()) {
        throw new IllegalArgumentException("declare at least one source");
      }
      return new SourceAgent(this);
    }
  }
}
