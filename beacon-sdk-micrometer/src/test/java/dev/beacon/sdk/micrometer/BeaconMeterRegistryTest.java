package dev.beacon.sdk.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BeaconMeterRegistryTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private BeaconMeterRegistry registry(String... meters) {
    return BeaconMeterRegistry.builder()
        .meters(meters)
        .tags("method")
        .nanoClock(nanos::get)
        .build();
  }

  private static Map<?, ?> meter(Object section, String name) {
    return (Map<?, ?>) ((Map<?, ?>) section).get(name);
  }

  @Test
  void countersAreRatesOverTheTimeReallyElapsedAndOnlyASentReportStartsANewWindow() {
    BeaconMeterRegistry beacon = registry("jobs.done");
    CompositeMeterRegistry app = new CompositeMeterRegistry();
    app.add(new SimpleMeterRegistry());
    app.add(beacon);
    Counter done = app.counter("jobs.done");

    done.increment(30);
    nanos.addAndGet(Duration.ofSeconds(10).toNanos());
    Object preview = beacon.section().collect(false);
    assertThat(meter(preview, "jobs_done")).isEqualTo(Map.of("type", "counter", "rate", 3.0));
    assertThat(((Map<?, ?>) preview).get("window_seconds")).isEqualTo(10.0);
    // A preview changed nothing: the report that is sent covers the same window.
    assertThat(meter(beacon.section().collect(true), "jobs_done").get("rate")).isEqualTo(3.0);

    done.increment(5);
    nanos.addAndGet(Duration.ofSeconds(20).toNanos());
    Object second = beacon.section().collect(true);
    assertThat(meter(second, "jobs_done").get("rate")).isEqualTo(0.25);
    assertThat(((Map<?, ?>) second).get("window_seconds")).isEqualTo(20.0);
  }

  @Test
  void timersAndSummariesReportCountMeanAndTheMaximumOfTheWindow() {
    BeaconMeterRegistry beacon = registry("http.*", "payload.size");
    Timer t = beacon.timer("http.server.requests");
    t.record(Duration.ofMillis(10));
    t.record(Duration.ofMillis(30));
    DistributionSummary s = beacon.summary("payload.size");
    s.record(100);
    s.record(300);
    nanos.addAndGet(1_000_000_000L);

    Object first = beacon.section().collect(true);
    assertThat(meter(first, "http_server_requests"))
        .isEqualTo(Map.of("type", "timer", "count", 2L, "mean_ms", 20.0, "max_ms", 30.0));
    assertThat(meter(first, "payload_size"))
        .isEqualTo(Map.of("type", "summary", "count", 2L, "mean", 200.0, "max", 300.0));

    t.record(Duration.ofMillis(4));
    Object second = beacon.section().collect(true);
    assertThat(meter(second, "http_server_requests"))
        .isEqualTo(Map.of("type", "timer", "count", 1L, "mean_ms", 4.0, "max_ms", 4.0));
    assertThat(meter(second, "payload_size"))
        .isEqualTo(Map.of("type", "summary", "count", 0L, "mean", 0.0, "max", 0.0));
  }

  @Test
  void meterNamesNotAllowedAreNeverKeptAndTagValuesTravelOnlyForAllowedTags() {
    BeaconMeterRegistry beacon = registry("cache.*");
    CompositeMeterRegistry app = new CompositeMeterRegistry();
    app.add(beacon);
    app.counter("cache.gets", "method", "get", "host", "db-01.corp.example", "user", "u-42")
        .increment(4);
    app.counter("cache.gets", "method", "get", "host", "db-02.corp.example", "user", "u-43")
        .increment(6);
    app.counter("cache.gets", "method", "put", "host", "db-01.corp.example", "user", "u-42")
        .increment(2);
    app.counter("secret.logins", "user", "alice@example.com").increment();
    AtomicLong size = new AtomicLong(7);
    Gauge.builder("cache.size", size, AtomicLong::get).tag("region", "eu").register(app);
    Gauge.builder("cache.size", () -> 5).tag("region", "us").register(app);
    nanos.addAndGet(2_000_000_000L);

    Object section = beacon.section().collect(true);
    String text = section.toString();
    assertThat(text)
        .doesNotContain("secret", "alice", "db-0", "corp", "u-4", "host", "user", "region");
    Map<?, ?> gets = meter(section, "cache_gets");
    assertThat(gets.get("rate")).isEqualTo(6.0);
    assertThat(gets.get("by_tags"))
        .isEqualTo(
            List.of(
                Map.of("tags", Map.of("method", "get"), "rate", 5.0),
                Map.of("tags", Map.of("method", "put"), "rate", 1.0)));
    // Gauges that differ only by a tag not allowed are summed.
    assertThat(meter(section, "cache_size")).isEqualTo(Map.of("type", "gauge", "value", 12.0));
  }

  @Test
  void theApplicationReadsItsMetersThroughTheCompositeAsFromAnyCumulativeRegistry() {
    BeaconMeterRegistry beacon = registry("orders.*");
    CompositeMeterRegistry app = new CompositeMeterRegistry();
    app.add(new SimpleMeterRegistry());
    app.add(beacon); // whichever child the composite reads first, the answer is the same
    app.counter("cache.misses").increment(3);
    Timer t = app.timer("cache.load");
    t.record(Duration.ofMillis(7));
    assertThat(app.find("cache.misses").counter().count()).isEqualTo(3.0);
    assertThat(beacon.find("cache.misses").counter().count()).isEqualTo(3.0);
    assertThat(beacon.find("cache.load").timer().max(TimeUnit.MILLISECONDS)).isEqualTo(7.0);
    assertThat(beacon.find("cache.load").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(7.0);
    // ...and only what is allowed is read for the report.
    assertThat(new ArrayList<Object>(((Map<?, ?>) beacon.section().collect(false)).keySet()))
        .containsExactly("window_seconds");
  }

  @Test
  void functionCountersLongTaskTimersAndAResetCounterAreReported() {
    BeaconMeterRegistry beacon = registry("jobs.*");
    AtomicLong processed = new AtomicLong(100);
    FunctionCounter.builder("jobs.processed", processed, AtomicLong::get).register(beacon);
    LongTaskTimer.Sample running = LongTaskTimer.builder("jobs.running").register(beacon).start();
    nanos.addAndGet(10_000_000_000L);
    assertThat(meter(beacon.section().collect(true), "jobs_processed").get("rate")).isEqualTo(10.0);

    processed.set(20); // the source restarted: its count starts again from zero
    nanos.addAndGet(10_000_000_000L);
    Object section = beacon.section().collect(true);
    assertThat(meter(section, "jobs_processed").get("rate")).isEqualTo(2.0);
    assertThat(meter(section, "jobs_running").get("active")).isEqualTo(1L);
    running.stop();
  }

  @Test
  void aGaugeWhoseObjectIsGoneOrNotANumberDoesNotBreakTheSection() {
    BeaconMeterRegistry beacon = registry("odd.*");
    Gauge.builder("odd.nan", () -> Double.NaN).register(beacon);
    Gauge.builder("odd.infinite", () -> Double.POSITIVE_INFINITY).register(beacon);
    Object section = beacon.section().collect(true);
    assertThat(meter(section, "odd_nan").get("value")).isEqualTo(0.0);
    assertThat(meter(section, "odd_infinite").get("value")).isEqualTo(0.0);
  }

  @Test
  void theAllowListRefusesWhatIsNotAMeterNameAtOnce() {
    assertThatThrownBy(() -> BeaconMeterRegistry.builder().meters("*"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("meters")
        .hasMessageContaining("'*'");
    assertThatThrownBy(() -> BeaconMeterRegistry.builder().meters("a b"))
        .hasMessageContaining("'a b'");
    assertThatThrownBy(() -> BeaconMeterRegistry.builder().tags("x=y"))
        .hasMessageContaining("tags")
        .hasMessageContaining("'x=y'");
    assertThatThrownBy(() -> BeaconMeterRegistry.builder().meters((String) null))
        .hasMessageContaining("'null'");
  }

  @Test
  void aNameAllowedByPatternMatchesOnlyWhatThePatternSays() {
    AllowList allow =
        new AllowList(List.of("cache.*", "http.server.requests", "*.errors"), List.of());
    assertThat(allow.allowsMeter("cache.gets")).isTrue();
    assertThat(allow.allowsMeter("cachex")).isFalse();
    assertThat(allow.allowsMeter("http.server.requests")).isTrue();
    assertThat(allow.allowsMeter("httpXserver.requests")).isFalse();
    assertThat(allow.allowsMeter("db.errors")).isTrue();
    assertThat(allow.allowsMeter("db.errors.total")).isFalse();
  }
}
