package dev.beacon.sdk.micrometer;

import dev.beacon.sdk.ReportSection;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.cumulative.CumulativeFunctionCounter;
import io.micrometer.core.instrument.cumulative.CumulativeFunctionTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.internal.DefaultGauge;
import io.micrometer.core.instrument.internal.DefaultLongTaskTimer;
import io.micrometer.core.instrument.internal.DefaultMeter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * A Micrometer registry that puts an allow-listed set of the application's meters into Beacon's
 * periodic report. Add it to the application's composite registry (Spring Boot does so for every
 * {@code MeterRegistry} bean; elsewhere {@code Metrics.globalRegistry.add(registry)} or {@code
 * composite.add(registry)}), and its {@link #section()} to the Beacon builder:
 *
 * <pre>{@code
 * BeaconMeterRegistry meters = BeaconMeterRegistry.builder()
 *     .meters("http.server.requests", "cache.*")
 *     .tags("method", "status")
 *     .build();
 * Metrics.globalRegistry.add(meters);
 * Beacon beacon = Beacon.builder("acme").reportSection("meters", meters.section()).build();
 * }</pre>
 *
 * <p>Like every registry in a composite, it keeps a meter for each of the application's (so that
 * reading a meter through the composite answers as any cumulative registry would, whichever child
 * answers); only those whose name is on the allow list are ever read for the report. Tag values
 * travel only for the tag names allowed: tags often carry host names, paths and user ids, so by
 * default none does, and the series that differ only by other tags are summed. In the report,
 * counters are rates per second over the time really elapsed since the previous report, gauges are
 * values, timers and distribution summaries are the count, mean and maximum over that time; names
 * are in snake case ({@code http_server_requests}), times in milliseconds.
 *
 * @since 0.2.0
 */
public final class BeaconMeterRegistry extends MeterRegistry {
  private final AllowList allow;
  private final MeterSection section;

  private BeaconMeterRegistry(Builder b) {
    super(b.clock);
    this.allow = new AllowList(b.meters, b.tags);
    this.section = new MeterSection(this, allow, b.nanoClock);
  }

  /** A registry with nothing allowed yet: name the meters with {@link Builder#meters}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The report section to register as {@code reportSection("meters", registry.section())}: the
   * allowed meters over the window since the previous report. A preview changes nothing.
   */
  public ReportSection section() {
    return section;
  }

  /** The meter name patterns this registry keeps, as given. */
  public List<String> allowedMeters() {
    return allow.meterPatterns();
  }

  /** The tag names whose values may travel, as given. */
  public List<String> allowedTags() {
    return allow.tagNames();
  }

  @Override
  protected <T> Gauge newGauge(Meter.Id id, T obj, ToDoubleFunction<T> valueFunction) {
    return new DefaultGauge<>(id, obj, valueFunction);
  }

  @Override
  protected Counter newCounter(Meter.Id id) {
    return new WindowCounter(id);
  }

  @Override
  protected Timer newTimer(
      Meter.Id id, DistributionStatisticConfig histogram, PauseDetector pauseDetector) {
    return new WindowTimer(id, clock, histogram, pauseDetector, getBaseTimeUnit());
  }

  @Override
  protected DistributionSummary newDistributionSummary(
      Meter.Id id, DistributionStatisticConfig histogram, double scale) {
    return new WindowSummary(id, clock, histogram, scale);
  }

  @Override
  protected LongTaskTimer newLongTaskTimer(Meter.Id id, DistributionStatisticConfig histogram) {
    return new DefaultLongTaskTimer(id, clock, getBaseTimeUnit(), histogram, false);
  }

  @Override
  protected Meter newMeter(Meter.Id id, Meter.Type type, Iterable<Measurement> measurements) {
    return new DefaultMeter(id, type, measurements);
  }

  @Override
  protected <T> FunctionTimer newFunctionTimer(
      Meter.Id id,
      T obj,
      ToLongFunction<T> countFunction,
      ToDoubleFunction<T> totalTimeFunction,
      TimeUnit totalTimeFunctionUnit) {
    return new CumulativeFunctionTimer<>(
        id, obj, countFunction, totalTimeFunction, totalTimeFunctionUnit, getBaseTimeUnit());
  }

  @Override
  protected <T> FunctionCounter newFunctionCounter(
      Meter.Id id, T obj, ToDoubleFunction<T> countFunction) {
    return new CumulativeFunctionCounter<>(id, obj, countFunction);
  }

  @Override
  protected TimeUnit getBaseTimeUnit() {
    return TimeUnit.SECONDS;
  }

  @Override
  protected DistributionStatisticConfig defaultHistogramConfig() {
    // Micrometer's defaults (no percentiles; a max that decays over minutes, as the application
    // expects when it reads a timer through its composite registry).
    return DistributionStatisticConfig.DEFAULT;
  }

  /**
   * Configures a {@link BeaconMeterRegistry}. Every setter validates at once.
   *
   * @since 0.2.0
   */
  public static final class Builder {
    private final List<String> meters = new ArrayList<>();
    private final List<String> tags = new ArrayList<>();
    private Clock clock = Clock.SYSTEM;
    private LongSupplier nanoClock = System::nanoTime;

    private Builder() {}

    /**
     * Meter names to report: exact names ({@code http.server.requests}) or patterns with {@code *}
     * for any characters ({@code cache.*}). Adds to those given before.
     */
    public Builder meters(String... names) {
      for (String n : Objects.requireNonNull(names, "meters")) {
        meters.add(AllowList.requirePattern(n, "meters"));
      }
      return this;
    }

    /**
     * Tag names whose values may be sent (such as {@code method} or {@code status}); none by
     * default. Adds to those given before.
     */
    public Builder tags(String... names) {
      for (String n : Objects.requireNonNull(names, "tags")) {
        tags.add(AllowList.requireTagName(n, "tags"));
      }
      return this;
    }

    /** Micrometer's clock for the meters; {@link Clock#SYSTEM} unless set. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Elapsed time for rates; {@link System#nanoTime()}. For tests. */
    Builder nanoClock(LongSupplier nanoClock) {
      this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
      return this;
    }

    public BeaconMeterRegistry build() {
      return new BeaconMeterRegistry(this);
    }
  }
}
