package dev.beacon.sdk.internal.report;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryManagerMXBean;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Facts about the platform, in EMQX's field names where EMQX has one. Only coarse, shared facts: OS
 * name and version, architecture, CPU count, memory sizes, JVM version and vendor, container
 * limits. Never a hostname, address, user, path, serial or anything derived from them; the cgroup
 * path (which holds a container id) is read for a yes/no only.
 */
public final class SystemFacts {
  private final Path root;

  /**
   * @param root filesystem root to read {@code /etc} and {@code /sys} under; "/" but in tests
   */
  SystemFacts(Path root) {
    this.root = root;
  }

  public SystemFacts() {
    this(Path.of("/"));
  }

  /** The facts that do not change while the JVM runs. */
  Map<String, Object> staticFacts() {
    Map<String, Object> f = new LinkedHashMap<>();
    String[] os = osNameAndVersion();
    f.put("os_name", os[0]);
    f.put("os_version", os[1]);
    f.put("arch", System.getProperty("os.arch", "unknown"));
    f.put("jvm_version", System.getProperty("java.version", "unknown"));
    f.put("jvm_vendor", System.getProperty("java.vendor", "unknown"));

    Map<String, Object> build = new LinkedHashMap<>();
    build.put("wordsize", wordSize());
    build.put("os", System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT));
    build.put("arch", System.getProperty("os.arch", "unknown"));
    build.put("runtime", "java");
    build.put("runtime_version", System.getProperty("java.runtime.version", "unknown"));
    build.put("vm_name", System.getProperty("java.vm.name", "unknown"));
    f.put("build_info", build);

    Map<String, Object> vm = new LinkedHashMap<>();
    vm.put("num_cpus", Runtime.getRuntime().availableProcessors());
    vm.put("total_memory", totalMemory());
    f.put("vm_specs", vm);

    Map<String, Object> jvm = new LinkedHashMap<>();
    jvm.put("max_heap", Runtime.getRuntime().maxMemory());
    jvm.put(
        "gc",
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(MemoryManagerMXBean::getName)
            .toArray(String[]::new));
    f.put("jvm", jvm);

    f.put("container", container());
    return f;
  }

  /** {@code [os_name, os_version]}: /etc/os-release on Linux (NAME, VERSION_ID), else the JVM's. */
  public String[] osNameAndVersion() {
    String name = System.getProperty("os.name", "unknown");
    String version = System.getProperty("os.version", "unknown");
    if (name.toLowerCase(Locale.ROOT).contains("linux")) {
      Map<String, String> release = osRelease();
      if (release.containsKey("NAME")) {
        name = release.get("NAME");
        version = release.getOrDefault("VERSION_ID", release.getOrDefault("VERSION", version));
      }
    } else if (name.toLowerCase(Locale.ROOT).startsWith("mac")) {
      name = "macOS";
    }
    return new String[] {name, version};
  }

  Map<String, String> osRelease() {
    Map<String, String> values = new LinkedHashMap<>();
    for (String file : List.of("etc/os-release", "usr/lib/os-release")) {
      List<String> lines = lines(root.resolve(file));
      if (lines.isEmpty()) {
        continue;
      }
      for (String line : lines) {
        int eq = line.indexOf('=');
        if (eq <= 0 || line.startsWith("#")) {
          continue;
        }
        String value = line.substring(eq + 1).strip();
        if (value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'"))) {
          value = value.substring(1, value.length() - 1);
        }
        values.put(line.substring(0, eq).strip(), value);
      }
      break;
    }
    return values;
  }

  /** Whether the JVM runs in a container, and the cgroup's CPU and memory limits (null: none). */
  Map<String, Object> container() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("detected", inContainer());
    c.put("cpu_limit", cpuLimit());
    c.put("memory_limit", memoryLimit());
    return c;
  }

  private boolean inContainer() {
    if (Files.exists(root.resolve(".dockerenv"))
        || Files.exists(root.resolve("run/.containerenv"))) {
      return true;
    }
    for (String line : lines(root.resolve("proc/1/cgroup"))) {
      if (line.contains("docker") || line.contains("kubepods") || line.contains("containerd")) {
        return true;
      }
    }
    return false;
  }

  /** CPUs the cgroup allows (quota / period), or null when unlimited or unknown. */
  Double cpuLimit() {
    List<String> v2 = lines(root.resolve("sys/fs/cgroup/cpu.max"));
    if (!v2.isEmpty()) {
      String[] parts = v2.get(0).strip().split("\\s+", -1);
      if (parts.length == 2 && !parts[0].equals("max")) {
        return ratio(parts[0], parts[1]);
      }
      return null;
    }
    List<String> quota = lines(root.resolve("sys/fs/cgroup/cpu/cpu.cfs_quota_us"));
    List<String> period = lines(root.resolve("sys/fs/cgroup/cpu/cpu.cfs_period_us"));
    if (!quota.isEmpty() && !period.isEmpty() && !quota.get(0).strip().startsWith("-")) {
      return ratio(quota.get(0).strip(), period.get(0).strip());
    }
    return null;
  }

  /** Bytes the cgroup allows, or null when unlimited or unknown. */
  Long memoryLimit() {
    for (String file :
        List.of("sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes")) {
      List<String> lines = lines(root.resolve(file));
      if (lines.isEmpty()) {
        continue;
      }
      try {
        long bytes = Long.parseLong(lines.get(0).strip());
        // cgroup v1 writes "no limit" as a number near Long.MAX_VALUE, rounded to a page.
        return bytes >= (1L << 60) ? null : bytes;
      } catch (NumberFormatException unlimited) {
        return null;
      }
    }
    return null;
  }

  private static Double ratio(String quota, String period) {
    try {
      double p = Double.parseDouble(period);
      return p > 0 ? Math.round(Double.parseDouble(quota) / p * 100) / 100.0 : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static int wordSize() {
    String model = System.getProperty("sun.arch.data.model");
    if ("32".equals(model)) {
      return 32;
    }
    return System.getProperty("os.arch", "").contains("64") || "64".equals(model) ? 64 : 32;
  }

  private static long totalMemory() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      return ((com.sun.management.OperatingSystemMXBean) os).getTotalPhysicalMemorySize();
    }
    return -1;
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException absent) {
      return List.of();
    }
  }
}
