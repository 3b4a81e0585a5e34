package dev.beacon.server.simulate;

import dev.beacon.protocol.UiEvents;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A simulated fleet of installations of one product, day by day: installations that appear and
 * leave, upgrades that spread after each release, clusters of several nodes, OS and hardware mixes,
 * plugins and features adopted at different rates, CLI command runs with failures and a long-tailed
 * duration, and DC/OS-style health with some unhealthy units. Deterministic for a seed, message ids
 * included, so simulating twice stores nothing twice.
 */
final class Fleet {
  /** A cluster UI's route templates, with a weight out of 100 (as {@link #OS}, version unused). */
  static final String[][] UI_ROUTES = {
    {"/dashboard", "", "30"},
    {"/services", "", "20"},
    {"/services/[id]", "", "20"},
    {"/services/[id]/tasks", "", "10"},
    {"/nodes", "", "10"},
    {"/nodes/[id]", "", "5"},
    {"/settings", "", "5"}
  };

  static final String[][] OS = {
    {"Ubuntu", "22.04", "40"},
    {"Debian GNU/Linux", "12", "25"},
    {"Red Hat Enterprise Linux", "9.4", "15"},
    {"Alpine Linux", "3.20", "10"},
    {"macOS", "14.5", "10"}
  };
  static final String[] VERSIONS = {"5.0.9", "5.1.0", "5.2.1", "5.3.0"};
  static final String[] PLUGINS = {
    "emqx_retainer", "emqx_dashboard", "emqx_bridge_kafka", "emqx_auth_jwt"
  };
  static final double[] PLUGIN_RATES = {0.85, 0.6, 0.3, 0.12};
  static final String[] FEATURES = {"retained", "delayed", "topic_rewrite", "auto_subscribe"};
  static final double[] FEATURE_RATES = {0.7, 0.35, 0.2, 0.08};
  static final String[] UNITS = {
    "dcos-marathon.service", "dcos-mesos-dns.service", "dcos-adminrouter.service"
  };

  private final int installations;
  private final int days;
  private final Instant end;
  private final int todaySeconds;
  private final long seed;

  /** Days end with today (UTC), whose events are spread over its first hours to an hour ago. */
  Fleet(int installations, int days, Instant now, long seed) {
    this.installations = installations;
    this.days = days;
    this.end = now.truncatedTo(ChronoUnit.DAYS);
    this.todaySeconds = (int) Math.max(1, ChronoUnit.SECONDS.between(end, now) - 3600);
    this.seed = seed;
  }

  /** Hands every event, in time order per installation, to the sink as a Segment message. */
  void generate(Consumer<Map<String, Object>> sink) {
    // Versions are released at even steps over the simulated span.
    int[] releaseDay = new int[VERSIONS.length];
    for (int v = 1; v < VERSIONS.length; v++) {
      releaseDay[v] = days * v / VERSIONS.length;
    }
    List<String> clusters = new ArrayList<>();
    for (int i = 0; i < installations; i++) {
      Random ir = new Random(seed * 31 + i);
      String installation = uuid(ir);
      // Nodes join clusters of 1 to 5: a new cluster now and then, else the last one.
      boolean agent = clusters.isEmpty() || ir.nextDouble() < 0.45; // its cluster's first node
      if (agent) {
        clusters.add(uuid(ir));
      }
      String cluster = clusters.get(clusters.size() - 1);
      int first = ir.nextInt(Math.max(1, days));
      int last = ir.nextDouble() < 0.15 ? first + ir.nextInt(Math.max(1, days - first)) : days - 1;
      String[] os = pick(OS, ir);
      String arch = ir.nextDouble() < 0.8 ? "amd64" : "aarch64";
      int cpus = new int[] {2, 4, 8, 16, 32}[ir.nextInt(5)];
      long memory = (long) new int[] {4, 8, 16, 32, 64}[ir.nextInt(5)] << 30;
      String jvm = ir.nextDouble() < 0.6 ? "21.0.5" : ir.nextDouble() < 0.7 ? "17.0.13" : "25.0.1";
      int upgradeLag = 3 + ir.nextInt(40);
      List<String> plugins = new ArrayList<>();
      for (int p = 0; p < PLUGINS.length; p++) {
        if (ir.nextDouble() < PLUGIN_RATES[p]) {
          plugins.add(PLUGINS[p]);
        }
      }
      Map<String, Object> features = new LinkedHashMap<>();
      for (int f = 0; f < FEATURES.length; f++) {
        features.put(FEATURES[f], ir.nextDouble() < FEATURE_RATES[f] ? 1 + ir.nextInt(20) : 0);
      }
      String project = sha256Like(ir);
      // The shapes the dashboard should show, from a generator of their own (the rest of the fleet
      // stays as it was): most of one weekly cohort leaves within days.
      Random shape = new Random(seed * 197 + i);
      int churnWeek = days * 2 / 3;
      if (first >= churnWeek && first < churnWeek + 7 && shape.nextDouble() < 0.6) {
        last = Math.min(days - 1, first + shape.nextInt(4));
      }
      // Its own generator, so the rest of the fleet is what it was before web UIs were simulated.
      Random ui = new Random(seed * 131 + i);
      for (int day = first; day <= last; day++) {
        int seconds = ir.nextInt(86_000);
        Instant at =
            end.minus(days - 1L - day, ChronoUnit.DAYS)
                .plusSeconds(day == days - 1 ? seconds % todaySeconds : seconds);
        String version = VERSIONS[0];
        for (int v = VERSIONS.length - 1; v > 0; v--) {
          if (day >= releaseDay[v] + upgradeLag) {
            version = VERSIONS[v];
            break;
          }
        }
        sink.accept(
            report(
                ir,
                installation,
                cluster,
                version,
                os,
                arch,
                cpus,
                memory,
                jvm,
                plugins,
                introduced(features, version),
                at));
        int runs = ir.nextInt(4);
        for (int k = 0; k < runs; k++) {
          commandRun(
              ir, installation, version, os, arch, project, at.plusSeconds(60L * k + 30), sink);
        }
        if (agent) {
          sink.accept(health(ir, installation, cluster, version, at.plusSeconds(5)));
          if (ui.nextInt(3) == 0) {
            webUiVisit(ui, installation, cluster, version, at.plusSeconds(120), sink);
          }
        }
      }
    }
  }

  /** Topic rewrite came with 5.2.1: reports of older versions say 0. */
  private static Map<String, Object> introduced(Map<String, Object> features, String version) {
    if (version.compareTo(REWRITE_SINCE) >= 0) {
      return features;
    }
    Map<String, Object> before = new LinkedHashMap<>(features);
    before.put("topic_rewrite", 0);
    return before;
  }

  /** The release that brought topic_rewrite, and whose "demo build" got slower and failed more. */
  static final String REWRITE_SINCE = "5.2.1";

  static final String REGRESSED = "5.2.1";

  private static Map<String, Object> report(
      Random r,
      String installation,
      String cluster,
      String version,
      String[] os,
      String arch,
      int cpus,
      long memory,
      String jvm,
      List<String> plugins,
      Map<String, Object> features,
      Instant at) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("uuid", installation);
    p.put("cluster_uuid", cluster);
    p.put("version", version);
    p.put("edition", r.nextDouble() < 0.9 ? "opensource" : "enterprise");
    p.put("os_name", os[0]);
    p.put("os_version", os[1]);
    p.put("arch", arch);
    p.put("jvm_version", jvm);
    p.put("vm_specs", Map.of("num_cpus", cpus, "total_memory", memory));
    p.put("active_plugins", plugins);
    p.put("features", features);
    p.put(
        "mqtt_runtime_insights",
        Map.of(
            "num_topics",
            r.nextInt(5000),
            "messages_received_rate",
            Math.round(r.nextDouble() * 5000) / 10.0));
    return message("report", "report", installation, cluster, version, at, p, r);
  }

  private static void commandRun(
      Random r,
      String installation,
      String version,
      String[] os,
      String arch,
      String project,
      Instant at,
      Consumer<Map<String, Object>> sink) {
    String command =
        r.nextDouble() < 0.6 ? "demo build" : r.nextDouble() < 0.7 ? "demo deploy" : "demo lint";
    String execution = uuid(r);
    Map<String, Object> attributes =
        Map.of(
            "os",
            os[0].toLowerCase(Locale.ROOT),
            "arch",
            arch,
            "version",
            version,
            "channel",
            r.nextDouble() < 0.85 ? "stable" : "beta");
    List<Map<String, Object>> options = new ArrayList<>();
    options.add(Map.of("name", "tag", "asCli", true, "asEnv", false, "count", 1));
    if (r.nextDouble() < 0.4) {
      options.add(Map.of("name", "push", "asCli", true, "asEnv", false, "count", 1));
    }
    if (r.nextDouble() < 0.25) {
      options.add(Map.of("name", "registry", "asCli", false, "asEnv", true, "count", 1));
    }
    Map<String, Object> started = new LinkedHashMap<>();
    started.put("executionID", execution);
    started.put("projectID", project);
    started.put("command", command);
    started.put("attributes", attributes);
    started.put("eventData", Map.of("options", options));
    started.put("schemaVersion", 1);
    sink.accept(message("track", "CommandStarted", installation, null, version, at, started, r));
    // ~1 s median, long tail; 5.2.1's build regressed: ~3 times slower, failing 3 times as often.
    boolean regressed = version.equals(REGRESSED) && command.equals("demo build");
    long duration = (long) (Math.exp(7 + r.nextGaussian() * 1.1) * (regressed ? 3 : 1));
    int exit = r.nextDouble() < (regressed ? 0.24 : 0.08) ? (r.nextBoolean() ? 1 : 3) : 0;
    Map<String, Object> exited = new LinkedHashMap<>(started);
    exited.put("eventData", Map.of("exitCode", exit, "durationMs", duration));
    sink.accept(
        message(
            "track",
            "CommandExited",
            installation,
            null,
            version,
            at.plusMillis(duration),
            exited,
            r));
  }

  /**
   * DC/OS Signal names the cluster as the event's anonymousId; here the agent node's installation
   * does, so that one product's installation counts stay counts of installations.
   */
  private static Map<String, Object> health(
      Random r, String installation, String cluster, String version, Instant at) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("clusterId", cluster);
    p.put("environmentVersion", version);
    for (String unit : UNITS) {
      String name = "health-unit-" + unit.replace('.', '-');
      int total = 1 + r.nextInt(3);
      p.put(name + "-total", total);
      p.put(name + "-unhealthy", r.nextDouble() < 0.05 ? 1 : 0);
    }
    return message("track", "health", installation, cluster, version, at, p, r);
  }

  /** An operator's visit to a cluster's web UI (DC/OS's case): a login, then a few routes. */
  private static void webUiVisit(
      Random r,
      String installation,
      String cluster,
      String version,
      Instant at,
      Consumer<Map<String, Object>> sink) {
    List<Map<String, Object>> visit = new ArrayList<>();
    visit.add(
        message("page", null, installation, cluster, version, at, Map.of("route", "/login"), r));
    visit.add(
        message("track", "login", installation, cluster, version, at.plusSeconds(5), Map.of(), r));
    int pages = 1 + r.nextInt(5);
    for (int k = 0; k < pages; k++) {
      String route = pick(UI_ROUTES, r)[0];
      visit.add(
          message(
              "page",
              null,
              installation,
              cluster,
              version,
              at.plusSeconds(10L + 20L * k),
              Map.of("route", route),
              r));
    }
    for (Map<String, Object> m : visit) {
      if (m.get("type").equals("page")) {
        m.put("name", ((Map<?, ?>) m.get("properties")).get("route"));
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> context = (Map<String, Object>) m.get("context");
      context.put("library", Map.of("name", UiEvents.LIBRARY, "version", "1"));
      sink.accept(m);
    }
  }

  private static Map<String, Object> message(
      String type,
      String event,
      String anonymousId,
      String cluster,
      String version,
      Instant at,
      Map<String, Object> properties,
      Random r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    m.put("event", event);
    m.put("messageId", uuid(r));
    m.put("anonymousId", anonymousId);
    m.put("timestamp", at.toString());
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("library", Map.of("name", "beacon-simulate", "version", "0.1.0"));
    context.put("app", Map.of("name", "demo", "version", version));
    if (cluster != null) {
      context.put("clusterId", cluster);
    }
    m.put("context", context);
    m.put("properties", properties);
    return m;
  }

  private static String[] pick(String[][] weighted, Random r) {
    int roll = r.nextInt(100);
    int acc = 0;
    for (String[] w : weighted) {
      acc += Integer.parseInt(w[2]);
      if (roll < acc) {
        return w;
      }
    }
    return weighted[0];
  }

  private static String uuid(Random r) {
    return new UUID(r.nextLong(), r.nextLong()).toString();
  }

  private static String sha256Like(Random r) {
    StringBuilder sb = new StringBuilder(64);
    for (int i = 0; i < 4; i++) {
      sb.append(String.format("%016x", r.nextLong()));
    }
    return sb.toString();
  }
}
