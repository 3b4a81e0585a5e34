package dev.beacon.sdk.internal.report;

import dev.beacon.protocol.Limits;
import dev.beacon.sdk.ReportSection;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.json.JsonWriter;
import dev.beacon.sdk.internal.thread.TimedCalls;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Assembles the properties of a report: the built-in facts, then every product callback. Product
 * code runs on a small pool of daemon threads with a deadline, so a section that throws or hangs is
 * reported under {@code failed_sections} (with the exception's class only: a message may hold a
 * path or a hostname) and the rest of the report goes out. A hung section is not started again
 * while its previous call still runs, so at most a few threads can ever be stuck.
 */
final class ReportCollector {
  private static final int MAX_SECTION_THREADS = 4;

  private final Settings settings;
  private final Map<String, Object> staticFacts;
  private final Redactor redactor;
  private final RateMeter rates;
  private final long startNanos = System.nanoTime();
  private final TimedCalls calls;

  ReportCollector(Settings settings, SystemFacts facts, Redactor redactor, RateMeter rates) {
    this.settings = settings;
    this.redactor = redactor;
    // Static facts come from the platform, not from the product, but they are strings all the
    // same: a self-built JDK's java.runtime.version reads "21-internal-adhoc.<user>.<dir>".
    @SuppressWarnings("unchecked")
    Map<String, Object> redacted = (Map<String, Object>) copy(facts.staticFacts());
    this.staticFacts = redacted;
    this.rates = rates;
    this.calls = new TimedCalls("beacon-" + settings.product + "-section", MAX_SECTION_THREADS);
  }

  /**
   * @param commitRates whether this report starts a new rate window (false for a preview)
   */
  Map<String, Object> collect(UUID installationId, boolean commitRates) {
    Map<String, Supplier<?>> tasks = new LinkedHashMap<>();
    tasks.put("cluster_uuid", settings.clusterId);
    if (settings.nodes != null) {
      tasks.put("nodes_uuid", settings.nodes);
    }
    if (settings.plugins != null) {
      tasks.put("active_plugins", settings.plugins);
    }
    if (settings.configKeys != null) {
      tasks.put("config_keys", () -> keysOnly(settings.configKeys.get()));
    }
    if (!settings.rates.isEmpty()) {
      tasks.put("rates", () -> rates.measure(commitRates));
    }
    for (Map.Entry<String, ReportSection> s : settings.sections.entrySet()) {
      ReportSection section = s.getValue();
      tasks.put(s.getKey(), () -> section.collect(commitRates));
    }

    Map<String, Object> results = new LinkedHashMap<>();
    Map<String, String> failed = new LinkedHashMap<>();
    run(tasks, results, failed);

    Map<String, Object> p = new LinkedHashMap<>();
    p.put("uuid", installationId.toString());
    p.put("cluster_uuid", results.remove("cluster_uuid"));
    p.put(
        "nodes_uuid", results.containsKey("nodes_uuid") ? results.remove("nodes_uuid") : List.of());
    p.put("version", redactor.apply(settings.version));
    if (settings.edition != null) {
      p.put("edition", redactor.apply(settings.edition));
    }
    p.putAll(staticFacts);
    p.put("up_time", (System.nanoTime() - startNanos) / 1_000_000);
    Object rateValues = results.remove("rates");
    if (rateValues instanceof RateMeter.Window) {
      RateMeter.Window w = (RateMeter.Window) rateValues;
      p.put("rates", w.perSecond);
      p.put("rate_window_seconds", w.seconds);
    }
    p.putAll(results);
    if (!failed.isEmpty()) {
      p.put("failed_sections", failed);
    }
    return p;
  }

  private void run(
      Map<String, Supplier<?>> tasks, Map<String, Object> results, Map<String, String> failed) {
    Map<String, Future<Object>> started = new LinkedHashMap<>();
    for (Map.Entry<String, Supplier<?>> t : tasks.entrySet()) {
      Supplier<?> supplier = t.getValue();
      try {
        started.put(t.getKey(), calls.start(t.getKey(), () -> copy(supplier.get())));
      } catch (TimedCalls.Refused r) {
        failed.put(
            t.getKey(),
            r.stillRunning
                ? "still running since an earlier report"
                : "not run: every section thread is busy");
      }
    }
    long deadline = System.nanoTime() + settings.sectionTimeout.toNanos();
    for (Map.Entry<String, Future<Object>> s : started.entrySet()) {
      try {
        results.put(s.getKey(), calls.await(s.getKey(), s.getValue(), deadline));
      } catch (TimeoutException slow) {
        failed.put(s.getKey(), "timed out after " + settings.sectionTimeout.toMillis() + " ms");
      } catch (ExecutionException e) {
        failed.put(
            s.getKey(),
            e.getCause() instanceof JsonWriter.TooLarge
                ? "too large: over " + Limits.MAX_EVENT_BYTES + " bytes"
                : "threw " + e.getCause().getClass().getName());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed.put(s.getKey(), "interrupted");
        return;
      }
    }
  }

  /**
   * A private copy of a product value in plain JSON types, made on the section thread: the product
   * may mutate its own objects afterwards, and an exotic object's {@code toString} runs under the
   * deadline rather than on the worker. Strings pass through the redactor. The copy has the
   * writer's limits (depth, items, a container inside itself becomes {@value JsonWriter#CYCLE}) and
   * its budget: a value whose JSON would exceed {@link Limits#MAX_EVENT_BYTES} stops the copy with
   * {@link JsonWriter.TooLarge}, so an abandoned section thread cannot go on copying for long.
   */
  Object copy(Object v) {
    return new Copy().of(v, 0);
  }

  /** One copy: the containers on the current path, and what is left of the budget. */
  private final class Copy {
    private final Set<Object> path = Collections.newSetFromMap(new IdentityHashMap<>());
    private long left = Limits.MAX_EVENT_BYTES;

    Object of(Object v, int depth) {
      if (v == null || v instanceof Number || v instanceof Boolean) {
        spend(v == null || v instanceof Boolean ? 5 : 24);
        return v;
      }
      if (v instanceof RateMeter.Window) {
        return v;
      }
      boolean container = v instanceof Map || v instanceof Collection || v.getClass().isArray();
      if (!container) {
        String s = v instanceof Enum ? ((Enum<?>) v).name() : String.valueOf(v);
        String kept = redactor.apply(JsonWriter.cut(s, JsonWriter.REDACT_CHARS));
        spend(Math.min(kept.length(), Limits.MAX_STRING_CHARS) + 3);
        return kept;
      }
      if (depth >= JsonWriter.MAX_DEPTH) {
        spend(13);
        return "[too deep]";
      }
      if (!path.add(v)) {
        spend(10);
        return JsonWriter.CYCLE;
      }
      try {
        spend(2);
        return v instanceof Map ? map((Map<?, ?>) v, depth) : list(v, depth);
      } finally {
        path.remove(v);
      }
    }

    private Map<String, Object> map(Map<?, ?> source, int depth) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : source.entrySet()) {
        if (m.size() == JsonWriter.MAX_ITEMS) {
          break;
        }
        String key =
            redactor.apply(JsonWriter.cut(String.valueOf(e.getKey()), JsonWriter.REDACT_CHARS));
        spend(Math.min(key.length(), Limits.MAX_KEY_CHARS) + 4);
        m.put(key, of(e.getValue(), depth + 1));
      }
      return m;
    }

    private List<Object> list(Object source, int depth) {
      List<Object> l = new ArrayList<>();
      if (source instanceof Collection) {
        for (Object o : (Collection<?>) source) {
          if (l.size() == JsonWriter.MAX_ITEMS) {
            break;
          }
          l.add(of(o, depth + 1));
        }
      } else {
        int n = Math.min(Array.getLength(source), JsonWriter.MAX_ITEMS);
        for (int i = 0; i < n; i++) {
          l.add(of(Array.get(source, i), depth + 1));
        }
      }
      return l;
    }

    private void spend(int chars) {
      left -= chars + 1; // and a separator
      if (left < 0) {
        throw new JsonWriter.TooLarge(Limits.MAX_EVENT_BYTES);
      }
    }
  }

  /** Sorted, distinct keys; anything after '=' is cut so that no value can travel. */
  static List<String> keysOnly(Collection<String> keys) {
    TreeSet<String> sorted = new TreeSet<>();
    for (String k : keys) {
      if (k == null) {
        continue;
      }
      int eq = k.indexOf('=');
      String key = (eq >= 0 ? k.substring(0, eq) : k).strip();
      if (!key.isEmpty()) {
        sorted.add(key);
      }
    }
    return new ArrayList<>(sorted);
  }

  void shutdown() {
    calls.close();
  }
}
