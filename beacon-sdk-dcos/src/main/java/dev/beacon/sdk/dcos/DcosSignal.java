package dev.beacon.sdk.dcos;

import dev.beacon.sdk.Source;
import dev.beacon.sdk.SourceAgent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Mappings of DC/OS's local JSON to the properties of DC/OS Signal's three events (seed 003), for
 * {@link Source}s of a {@link SourceAgent}. Only counts and names leave the cluster: the node
 * addresses and host names in these documents are never read into an event.
 *
 * <p>One vendor's mapping, kept out of the SDK's core as OpenTelemetry and Micrometer keep vendor
 * code apart: it uses the SDK's public API only.
 *
 * @since 0.1.0
 */
public final class DcosSignal {
  private DcosSignal() {}

  /**
   * {@code health}, from the diagnostics report ({@code /system/health/v1/report}: {@code {"Units":
   * {"<unit>": {"Nodes": [{"Health": 0}, ...]}}}}): per unit, {@code health-unit-<unit>-total}
   * (nodes running it) and {@code -unhealthy} (nodes where its health is not 0), the unit's name
   * with dots as dashes.
   */
  public static Function<Object, Map<String, Object>> health() {
    return json -> {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<String, Object> unit : map(map(json).get("Units")).entrySet()) {
        String name = "health-unit-" + unit.getKey().replace('.', '-');
        List<Object> nodes = list(map(unit.getValue()).get("Nodes"));
        long unhealthy = 0;
        for (Object node : nodes) {
          if (number(map(node).get("Health")) != 0) {
            unhealthy++;
          }
        }
        out.put(name + "-total", (long) nodes.size());
        out.put(name + "-unhealthy", unhealthy);
      }
      return out;
    };
  }

  /**
   * {@code mesos_track}, from the Mesos master's {@code /master/state-summary}: agents active and
   * connected, CPU, memory and disk total and used, frameworks by name, running tasks.
   */
  public static Function<Object, Map<String, Object>> mesos() {
    return json -> {
      Map<String, Object> state = map(json);
      long active = 0;
      double cpuTotal = 0;
      double cpuUsed = 0;
      double memTotal = 0;
      double memUsed = 0;
      double diskTotal = 0;
      double diskUsed = 0;
      List<Object> agents = list(state.get("slaves"));
      for (Object a : agents) {
        Map<String, Object> agent = map(a);
        if (Boolean.TRUE.equals(agent.get("active"))) {
          active++;
        }
        Map<String, Object> res = map(agent.get("resources"));
        Map<String, Object> used = map(agent.get("used_resources"));
        cpuTotal += number(res.get("cpus"));
        memTotal += number(res.get("mem"));
        diskTotal += number(res.get("disk"));
        cpuUsed += number(used.get("cpus"));
        memUsed += number(used.get("mem"));
        diskUsed += number(used.get("disk"));
      }
      List<Object> frameworks = new ArrayList<>();
      long tasks = 0;
      for (Object f : list(state.get("frameworks"))) {
        Map<String, Object> fw = map(f);
        Map<String, Object> named = new LinkedHashMap<>();
        named.put("name", String.valueOf(fw.get("name")));
        frameworks.add(named);
        tasks += (long) number(fw.get("TASK_RUNNING"));
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("agents_active", active);
      out.put("agents_connected", (long) agents.size());
      out.put("cpu_total", whole(cpuTotal));
      out.put("cpu_used", whole(cpuUsed));
      out.put("disk_total", whole(diskTotal));
      out.put("disk_used", whole(diskUsed));
      out.put("framework_count", (long) frameworks.size());
      out.put("frameworks", frameworks);
      out.put("mem_total", whole(memTotal));
      out.put("mem_used", whole(memUsed));
      out.put("task_count", tasks);
      return out;
    };
  }

  /** {@code package_list}, from Cosmos's {@code /package/list}: the installed packages' names. */
  public static Function<Object, Map<String, Object>> packages() {
    return json -> {
      List<Object> names = new ArrayList<>();
      for (Object p : list(map(json).get("packages"))) {
        Object def =
            map(map(map(p).get("packageInformation")).get("packageDefinition")).get("name");
        if (def != null) {
          Map<String, Object> named = new LinkedHashMap<>();
          named.put("name", String.valueOf(def));
          names.add(named);
        }
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("package_list", names);
      return out;
    };
  }

  private static Object whole(double d) {
    return d == Math.rint(d) ? (Object) (long) d : (Object) d;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map ? (Map<String, Object>) o : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return o instanceof List ? (List<Object>) o : List.of();
  }

  private static double number(Object o) {
    return o instanceof Number ? ((Number) o).doubleValue() : 0;
  }
}
