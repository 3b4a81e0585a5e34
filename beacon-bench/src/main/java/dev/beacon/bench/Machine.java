package dev.beacon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the figures were measured on: cores, memory, CPU, JDK, OS, day. */
final class Machine {
  private Machine() {}

  static Map<String, Object> describe(boolean quick) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("date", LocalDate.now(ZoneOffset.UTC).toString());
    m.put("quick", quick);
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("memory", memory(firstValue(Path.of("/proc/meminfo"), "MemTotal")));
    m.put("cpu", firstValue(Path.of("/proc/cpuinfo"), "model name"));
    m.put(
        "jdk",
        System.getProperty("java.vm.vendor")
            + " "
            + System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vm.name")
            + ")");
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    return m;
  }

  /** The value of the first {@code key: value} line of a /proc file, or "unknown". */
  static String firstValue(Path file, String key) throws IOException {
    if (!Files.isReadable(file)) {
      return "unknown";
    }
    List<String> lines = Files.readAllLines(file);
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
        return line.substring(colon + 1).trim();
      }
    }
    return "unknown";
  }

  /** "24684096 kB" as "23.5 GiB". */
  static String memory(String meminfo) {
    if (!meminfo.endsWith(" kB")) {
      return meminfo;
    }
    double kb = Double.parseDouble(meminfo.substring(0, meminfo.length() - 3).trim());
    return String.format(Locale.ROOT, "%.1f GiB", kb / (1 << 20));
  }

  /** The resident set (VmRSS, VmHWM, ...) of process {@code pid} in bytes, or -1. */
  static long processBytes(long pid, String field) throws IOException {
    String v = firstValue(Path.of("/proc", Long.toString(pid), "status"), field);
    if (!v.endsWith(" kB")) {
      return -1;
    }
    return Long.parseLong(v.substring(0, v.length() - 3).trim()) * 1024;
  }
}
