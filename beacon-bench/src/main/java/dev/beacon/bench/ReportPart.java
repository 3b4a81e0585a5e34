package dev.beacon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the sections of BENCHMARKS.md share: the results' directory, the Markdown written so far,
 * the runner's record of the commands, the targets' verdicts, and how figures are written.
 */
abstract class ReportPart {
  final Path dir;
  final StringBuilder md;
  final JsonNode commands;
  private final List<String> verdicts;

  ReportPart(Path dir, StringBuilder md, JsonNode commands, List<String> verdicts) {
    this.dir = dir;
    this.md = md;
    this.commands = commands;
    this.verdicts = verdicts;
  }

  /**
   * A step's results, its heading and when it ran already written; null when the step left no
   * results, or was skipped (then the heading says why).
   */
  JsonNode section(String step, String title) throws IOException {
    JsonNode r = BenchRun.read(dir.resolve(step + ".json"));
    if (r == null) {
      return null;
    }
    md.append("## ").append(title).append("\n\n");
    ranAt(step);
    return skipped(r) ? null : r;
  }

  /** "Measured at ..." for a step, when the runner recorded it (steps can be re-run alone). */
  void ranAt(String... steps) {
    List<String> at = new ArrayList<>();
    for (String s : steps) {
      JsonNode t = commands.path("ranAt").path(s);
      if (t.isTextual()) {
        at.add(t.asText().replace('T', ' ').replace("Z", " UTC"));
      }
    }
    if (!at.isEmpty()) {
      md.append("Step finished at ").append(String.join(", ", at)).append(".\n\n");
    }
  }

  boolean skipped(JsonNode r) {
    if (r.has("skipped")) {
      md.append("Not measured in this run: ").append(r.path("skipped").asText()).append(".\n\n");
      return true;
    }
    return false;
  }

  void verdict(String target, String measured, boolean met) {
    verdict(target, measured, met ? "met" : "**missed**");
  }

  /** A target's row with a verdict of its own (when the run cannot tell). */
  void verdict(String target, String measured, String verdict) {
    verdicts.add("| " + target + " | " + measured + " | " + verdict + " |");
  }

  static double pct(JsonNode metric, String p) {
    return metric.path("scorePercentiles").path(p).asDouble(Double.NaN);
  }

  static List<Long> longs(JsonNode array) {
    List<Long> l = new ArrayList<>();
    array.forEach(n -> l.add(n.asLong()));
    return l;
  }

  static String ns(double ns) {
    if (Double.isNaN(ns)) {
      return "–";
    }
    if (ns < 1_000) {
      return String.format(Locale.ROOT, "%.0f ns", ns);
    }
    if (ns < 1_000_000) {
      return String.format(Locale.ROOT, "%.2f µs", ns / 1e3);
    }
    return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
  }

  static String ms(double ms) {
    return ms < 10_000
        ? String.format(Locale.ROOT, "%.0f ms", ms)
        : String.format(Locale.ROOT, "%.1f s", ms / 1e3);
  }

  static String bytes(double b) {
    if (b < 1 << 20) {
      return String.format(Locale.ROOT, "%.0f KiB", b / 1024);
    }
    if (b < 1 << 30) {
      return String.format(Locale.ROOT, "%.1f MiB", b / (1 << 20));
    }
    return String.format(Locale.ROOT, "%.2f GiB", b / (1 << 30));
  }

  static String count(double n) {
    return String.format(Locale.ROOT, "%,.0f", n);
  }

  static String ratio(double r) {
    return Double.isNaN(r) ? "–" : String.format(Locale.ROOT, "%.1f×", r);
  }

  static String percent(double share) {
    return Double.isNaN(share) ? "–" : String.format(Locale.ROOT, "%.0f %%", 100 * share);
  }
}
