package dev.beacon.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Where a benchmark's figures go: to the JSON file named by {@code -Dbench.json} when the runner
 * ({@link BenchRun}) started it, else to standard output. The runner renders the tables.
 */
final class Results {
  static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).findAndRegisterModules();

  private Results() {}

  static void write(Object results) throws IOException {
    String file = System.getProperty("bench.json");
    if (file == null) {
      System.out.println(JSON.writeValueAsString(results));
    } else {
      Path p = Path.of(file);
      if (p.getParent() != null) {
        Files.createDirectories(p.getParent());
      }
      JSON.writeValue(p.toFile(), results);
    }
  }

  /** The nearest-rank percentile of {@code values}. */
  static long percentile(List<Long> values, double percentile) {
    long[] a = values.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(a);
    int i = (int) Math.ceil(percentile / 100.0 * a.length) - 1;
    return a[Math.max(0, Math.min(a.length - 1, i))];
  }
}
