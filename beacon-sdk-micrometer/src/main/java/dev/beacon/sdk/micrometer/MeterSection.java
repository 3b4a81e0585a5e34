package dev.beacon.sdk.micrometer;

import dev.beacon.sdk.ReportSection;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.NamingConvention;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The report section of a {@link BeaconMeterRegistry}: each allowed meter, by its snake-case name,
 * over the window since the previous report sent. Series that differ only by tags not allowed are
 * summed; with allowed tags, the series by their values follow under {@code by_tags}. The window's
 * baselines and maxima move only when a report is sent, never for a preview.
 */
final class MeterSection implements ReportSection {
  static final int MAX_METERS = 200;
  static final int MAX_SERIES_PER_METER = 50;
  private static final int MAX_TAG_VALUE_CHARS = 100;

  private final MeterRegistry registry;
  private final AllowList allow;
  private final LongSupplier nanoClock;
  private final Object lock = new Object();
  private Map<String, double[]> baselines = new HashMap<>();
  private long windowStartNanos;

  MeterSection(MeterRegistry registry, AllowList allow, LongSupplier nanoClock) {
    this.registry = registry;
    this.allow = allow;
    this.nanoClock = nanoClock;
    this.windowStartNanos = nanoClock.getAsLong();
  }

  @Override
  public Object collect(boolean newWindow) {
    synchronized (lock) {
      long now = nanoClock.getAsLong();
      double seconds = Math.max(1e-3, (now - windowStartNanos) / 1e9);
      Map<String, Series.Group> groups = group(newWindow);
      Map<String, double[]> next = new HashMap<>();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("window_seconds", Series.round(seconds));
      int meters = 0;
      List<String> cut = new ArrayList<>();
      for (Map.Entry<String, Series.Group> g : groups.entrySet()) {
        if (meters++ == MAX_METERS) {
          cut.add(g.getKey());
          continue;
        }
        out.put(g.getKey(), g.getValue().report(g.getKey(), baselines, next, seconds));
      }
      if (!cut.isEmpty()) {
        out.put("meters_not_reported", cut.size());
      }
      if (newWindow) {
        baselines = next;
        windowStartNanos = now;
      }
      return out;
    }
  }

  /** The registry's meters by snake-case name, then by their allowed tags. */
  private Map<String, Series.Group> group(boolean newWindow) {
    Map<String, Series.Group> groups = new TreeMap<>();
    for (Meter m : registry.getMeters()) {
      if (!allow.allowsMeter(m.getId().getName())) {
        continue;
      }
      Series.Kind kind = Series.Kind.of(m);
      if (kind == null) {
        continue;
      }
      Meter.Id id = m.getId();
      String name = NamingConvention.snakeCase.name(id.getName(), id.getType(), id.getBaseUnit());
      Series.Group g = groups.computeIfAbsent(name, n -> new Series.Group(kind));
      if (g.kind != kind) {
        continue; // two kinds of meter under one name: the first kind found is reported
      }
      g.series(allowedTags(id)).add(m, newWindow);
    }
    return groups;
  }

  private Map<String, String> allowedTags(Meter.Id id) {
    Map<String, String> tags = new TreeMap<>();
    for (Tag t : id.getTagsAsIterable()) {
      if (allow.allowsTag(t.getKey())) {
        String v = t.getValue();
        tags.put(
            NamingConvention.snakeCase.tagKey(t.getKey()),
            v.length() > MAX_TAG_VALUE_CHARS ? v.substring(0, MAX_TAG_VALUE_CHARS) : v);
      }
    }
    return tags;
  }
}
