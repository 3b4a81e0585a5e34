package dev.beacon.sdk.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Statistic;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One series of a meter: the sum of the registry's meters that share a name and the values of the
 * allowed tags. Cumulative figures (counts, totals) become the window's figures against the
 * baseline the previous report left.
 */
final class Series {
  enum Kind {
    COUNTER("counter"),
    GAUGE("gauge"),
    TIMER("timer"),
    SUMMARY("summary"),
    LONG_TASK_TIMER("long_task_timer");

    final String label;

    Kind(String label) {
      this.label = label;
    }

    static Kind of(Meter m) {
      if (m instanceof Counter || m instanceof FunctionCounter) {
        return COUNTER;
      }
      if (m instanceof Timer || m instanceof FunctionTimer) {
        return TIMER;
      }
      if (m instanceof DistributionSummary) {
        return SUMMARY;
      }
      if (m instanceof LongTaskTimer) {
        return LONG_TASK_TIMER;
      }
      if (m instanceof Gauge) {
        return GAUGE;
      }
      for (Measurement x : m.measure()) {
        if (x.getStatistic() == Statistic.VALUE) {
          return GAUGE; // a custom meter with a value
        }
      }
      return null;
    }
  }

  /** All series of one meter name. */
  static final class Group {
    final Kind kind;
    private final Map<String, Series> series = new TreeMap<>();

    Group(Kind kind) {
      this.kind = kind;
    }

    Series series(Map<String, String> tags) {
      return series.computeIfAbsent(tags.toString(), k -> new Series(kind, tags));
    }

    /**
     * The meter's figures over the window: all series summed, then each series by its allowed tags
     * when there are any. Records each series' cumulative figures in {@code next}.
     */
    Map<String, Object> report(
        String name, Map<String, double[]> baselines, Map<String, double[]> next, double seconds) {
      Series all = new Series(kind, Map.of());
      List<Map<String, Object>> byTags = new ArrayList<>();
      for (Map.Entry<String, Series> e : series.entrySet()) {
        String key = name + e.getKey();
        Series s = e.getValue();
        next.put(key, new double[] {s.count, s.total});
        Series w = s.window(baselines.get(key));
        all.merge(w);
        if (!s.tags.isEmpty() && byTags.size() < MeterSection.MAX_SERIES_PER_METER) {
          Map<String, Object> v = new LinkedHashMap<>();
          v.put("tags", s.tags);
          v.putAll(w.values(seconds));
          byTags.add(v);
        }
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("type", kind.label);
      out.putAll(all.values(seconds));
      if (!byTags.isEmpty()) {
        out.put("by_tags", byTags);
        if (series.size() > byTags.size()) {
          out.put("series_not_reported", series.size() - byTags.size());
        }
      }
      return out;
    }
  }

  private final Kind kind;
  private final Map<String, String> tags;
  private double count; // cumulative: events, or a counter's value
  private double total; // cumulative: milliseconds for timers, amounts for summaries
  private double max; // the window's: milliseconds for timers
  private double value; // a gauge's value, or a long task timer's active tasks
  private boolean hasMax;

  private Series(Kind kind, Map<String, String> tags) {
    this.kind = kind;
    this.tags = tags;
  }

  /** Adds one meter's figures; its window maximum starts anew when {@code newWindow}. */
  void add(Meter m, boolean newWindow) {
    switch (kind) {
      case COUNTER:
        count += m instanceof Counter ? ((Counter) m).count() : ((FunctionCounter) m).count();
        break;
      case TIMER:
        addTimer(m, newWindow);
        break;
      case SUMMARY:
        DistributionSummary d = (DistributionSummary) m;
        count += d.count();
        total += d.totalAmount();
        max(d instanceof WindowSummary ? ((WindowSummary) d).windowMax(newWindow) : d.max());
        break;
      case LONG_TASK_TIMER:
        LongTaskTimer l = (LongTaskTimer) m;
        value += l.activeTasks();
        max(l.max(TimeUnit.MILLISECONDS));
        break;
      default:
        value += gaugeValue(m);
    }
  }

  private void addTimer(Meter m, boolean newWindow) {
    if (m instanceof FunctionTimer) {
      FunctionTimer f = (FunctionTimer) m;
      count += f.count();
      total += f.totalTime(TimeUnit.MILLISECONDS);
      return;
    }
    Timer t = (Timer) m;
    count += t.count();
    total += t.totalTime(TimeUnit.MILLISECONDS);
    max(
        t instanceof WindowTimer
            ? ((WindowTimer) t).windowMaxMillis(newWindow)
            : t.max(TimeUnit.MILLISECONDS));
  }

  private static double gaugeValue(Meter m) {
    double v = 0;
    if (m instanceof Gauge) {
      v = ((Gauge) m).value();
    } else {
      for (Measurement x : m.measure()) {
        if (x.getStatistic() == Statistic.VALUE) {
          v += x.getValue();
        }
      }
    }
    return Double.isFinite(v) ? v : 0; // a gauge whose object is gone reads NaN
  }

  private void max(double candidate) {
    if (Double.isFinite(candidate)) {
      max = hasMax ? Math.max(max, candidate) : candidate;
      hasMax = true;
    }
  }

  /** This series over the window: cumulative figures minus the baseline (a reset counts anew). */
  private Series window(double[] baseline) {
    Series w = new Series(kind, tags);
    w.count = count;
    w.total = total;
    if (baseline != null && count >= baseline[0] && total >= baseline[1]) {
      w.count = count - baseline[0];
      w.total = total - baseline[1];
    }
    w.max = max;
    w.hasMax = hasMax;
    w.value = value;
    return w;
  }

  private void merge(Series w) {
    count += w.count;
    total += w.total;
    value += w.value;
    if (w.hasMax) {
      max(w.max);
    }
  }

  private Map<String, Object> values(double seconds) {
    Map<String, Object> v = new LinkedHashMap<>();
    switch (kind) {
      case COUNTER:
        v.put("rate", round(count / seconds));
        break;
      case TIMER:
        v.put("count", Math.round(count));
        v.put("mean_ms", round(count > 0 ? total / count : 0));
        if (hasMax) {
          v.put("max_ms", round(max));
        }
        break;
      case SUMMARY:
        v.put("count", Math.round(count));
        v.put("mean", round(count > 0 ? total / count : 0));
        v.put("max", round(hasMax ? max : 0));
        break;
      case LONG_TASK_TIMER:
        v.put("active", Math.round(value));
        v.put("max_ms", round(hasMax ? max : 0));
        break;
      default:
        v.put("value", round(value));
    }
    return v;
  }

  static double round(double d) {
    return Math.round(d * 1000) / 1000.0;
  }
}
