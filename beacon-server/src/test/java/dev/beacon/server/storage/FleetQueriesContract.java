package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.server.simulate.FleetFixture;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's queries, checked against the same figures computed independently, in plain Java,
 * from the events the store was given. Every store runs this suite.
 */
abstract class FleetQueriesContract {
  static final ObjectMapper JSON = new ObjectMapper();
  protected EventStore store;
  private String product;
  private List<StoredEvent> events;
  private FleetQueries.Filter all;

  protected abstract EventStore open();

  @BeforeEach
  void load() {
    store = open();
    product = "fleet" + System.nanoTime();
    events = FleetFixture.storedEvents(product, 60, 45, 11);
    for (int i = 0; i < events.size(); i += 1000) {
      store.append(events.subList(i, Math.min(events.size(), i + 1000)));
    }
    all = new FleetQueries.Filter(product, Instant.now().minus(Duration.ofDays(30)), null, 1);
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** The events of a window: from 00:00 UTC of the day {@code since} falls on. */
  private List<StoredEvent> window(Instant since) {
    Instant start = FleetQueries.firstDay(since).atStartOfDay().toInstant(ZoneOffset.UTC);
    return events.stream().filter(e -> !e.timestamp().isBefore(start)).toList();
  }

  /** The latest report of each installation in the window. */
  private Map<String, JsonNode> latestReports(Instant since) {
    Map<String, StoredEvent> latest = new HashMap<>();
    for (StoredEvent e : window(since)) {
      if (e.type().equals("report")) {
        latest.merge(e.installationId(), e, (a, b) -> a.timestamp().isAfter(b.timestamp()) ? a : b);
      }
    }
    Map<String, JsonNode> out = new HashMap<>();
    latest.forEach((k, v) -> out.put(k, json(v.properties())));
    return out;
  }

  @Test
  void activeInstallationsOverOneSevenAndThirtyDays() {
    List<Object> row = store.fleet().active(all).rows().get(0);
    for (int i = 0; i < 3; i++) {
      Instant since = FleetQueries.windowStart(new int[] {1, 7, 30}[i]);
      long expected = window(since).stream().map(StoredEvent::installationId).distinct().count();
      assertThat(((Number) row.get(i)).longValue()).isEqualTo(expected);
    }
  }

  @Test
  void platformBreakdownsCountLatestReports() {
    Map<String, JsonNode> latest = latestReports(all.since());
    Map<String, Long> byOs =
        latest.values().stream()
            .collect(Collectors.groupingBy(p -> p.get("os_name").asText(), Collectors.counting()));
    assertThat(asMap(store.fleet().breakdown(all, "os"))).isEqualTo(byOs);
    Map<String, Long> byCpus =
        latest.values().stream()
            .collect(
                Collectors.groupingBy(
                    p -> p.at("/vm_specs/num_cpus").asText(), Collectors.counting()));
    assertThat(asMap(store.fleet().breakdown(all, "cpus"))).isEqualTo(byCpus);
    Map<String, Long> byMemory =
        latest.values().stream()
            .collect(
                Collectors.groupingBy(
                    p ->
                        String.valueOf(
                            Math.round(p.at("/vm_specs/total_memory").asDouble() / (1L << 30))),
                    Collectors.counting()));
    assertThat(asMap(store.fleet().breakdown(all, "memory"))).isEqualTo(byMemory);
  }

  @Test
  void pluginAndFeatureAdoptionCountInstallations() {
    Map<String, JsonNode> latest = latestReports(all.since());
    Map<String, Long> expected = new TreeMap<>();
    for (JsonNode p : latest.values()) {
      p.get("active_plugins").forEach(n -> expected.merge("plugin " + n.asText(), 1L, Long::sum));
      p.get("features")
          .properties()
          .forEach(
              f -> {
                if (f.getValue().asDouble() > 0) {
                  expected.merge("feature " + f.getKey(), 1L, Long::sum);
                }
              });
    }
    Map<String, Long> got = new TreeMap<>();
    for (List<Object> r : store.fleet().adoption(all).rows()) {
      got.put(r.get(0) + " " + r.get(1), ((Number) r.get(2)).longValue());
    }
    assertThat(got).isEqualTo(expected);
  }

  @Test
  void theFieldExplorerReadsAnyReportField() {
    Map<String, Long> expected =
        latestReports(all.since()).values().stream()
            .collect(Collectors.groupingBy(p -> p.get("edition").asText(), Collectors.counting()));
    assertThat(asMap(store.fleet().field(all, "edition"))).isEqualTo(expected);
    assertThatThrownBy(() -> store.fleet().field(all, "x'); DROP TABLE events; --"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void commandsHaveRunsSuccessRateDurationPercentilesAndProjects() {
    Map<String, List<JsonNode>> runs = new HashMap<>();
    for (StoredEvent e : window(all.since())) {
      if ("CommandExited".equals(e.event())) {
        JsonNode p = json(e.properties());
        runs.computeIfAbsent(p.get("command").asText(), k -> new ArrayList<>()).add(p);
      }
    }
    Table t = store.fleet().commands().byCommand(all);
    assertThat(t.rows()).hasSize(runs.size());
    for (List<Object> row : t.rows()) {
      List<JsonNode> mine = runs.get((String) row.get(0));
      assertThat(((Number) row.get(1)).longValue()).isEqualTo(mine.size());
      double success =
          mine.stream().filter(p -> p.at("/eventData/exitCode").asInt() == 0).count()
              / (double) mine.size();
      assertThat(((Number) row.get(2)).doubleValue()).isCloseTo(success, Offset.offset(1e-9));
      double[] durations =
          mine.stream()
              .mapToDouble(p -> p.at("/eventData/durationMs").asDouble())
              .sorted()
              .toArray();
      // From the duration sketch: within its documented 1 % of the exact percentiles.
      for (int k = 0; k < 3; k++) {
        double exact = percentile(durations, new double[] {0.5, 0.95, 0.99}[k]);
        assertThat(((Number) row.get(3 + k)).doubleValue())
            .isCloseTo(exact, Offset.offset(exact * DurationSketch.RELATIVE_ERROR + 1e-9));
      }
      long projects = mine.stream().map(p -> p.get("projectID").asText()).distinct().count();
      assertThat(((Number) row.get(6)).longValue()).isEqualTo(projects);
    }
  }

  @Test
  void optionUseAndUnhealthyUnitsAndClusterSizes() {
    long tagRuns =
        window(all.since()).stream()
            .filter(e -> "CommandStarted".equals(e.event()))
            .filter(e -> e.properties().contains("\"name\":\"tag\""))
            .count();
    Table options = store.fleet().commands().optionUse(all);
    assertThat(options.rows())
        .anySatisfy(
            r -> {
              assertThat(r.get(0)).isEqualTo("tag");
              assertThat(((Number) r.get(1)).longValue()).isEqualTo(tagRuns);
            });

    Map<String, Double> unhealthy = new TreeMap<>();
    for (StoredEvent e : window(all.since())) {
      if ("health".equals(e.event())) {
        String day = e.timestamp().atZone(ZoneOffset.UTC).toLocalDate().toString();
        json(e.properties())
            .properties()
            .forEach(
                f -> {
                  if (f.getKey().endsWith("-unhealthy")) {
                    unhealthy.merge(day, f.getValue().asDouble(), Double::sum);
                  }
                });
      }
    }
    Map<String, Double> got = new TreeMap<>();
    for (List<Object> r : store.fleet().commands().unhealthyUnits(all).rows()) {
      got.put((String) r.get(0), ((Number) r.get(1)).doubleValue());
    }
    assertThat(got).isEqualTo(unhealthy);

    Map<String, Set<String>> clusters = new HashMap<>();
    for (StoredEvent e : window(all.since())) {
      if (e.type().equals("report") && e.clusterId() != null) {
        clusters.computeIfAbsent(e.clusterId(), k -> new HashSet<>()).add(e.installationId());
      }
    }
    Map<String, Long> sizes =
        clusters.values().stream()
            .collect(Collectors.groupingBy(s -> String.valueOf(s.size()), Collectors.counting()));
    assertThat(asMap(store.fleet().clusterSizes(all))).isEqualTo(sizes);
  }

  @Test
  void versionsOverTimeAndAVersionFilterAndTheMinimumBucket() {
    Map<String, Set<String>> perDayVersion = new TreeMap<>();
    for (StoredEvent e : window(all.since())) {
      if (e.version() != null) {
        String key = e.timestamp().atZone(ZoneOffset.UTC).toLocalDate() + " " + e.version();
        perDayVersion.computeIfAbsent(key, k -> new HashSet<>()).add(e.installationId());
      }
    }
    Map<String, Long> got = new TreeMap<>();
    for (List<Object> r : store.fleet().versionsOverTime(all).rows()) {
      got.put(r.get(0) + " " + r.get(1), ((Number) r.get(2)).longValue());
    }
    Map<String, Long> expected = new TreeMap<>();
    perDayVersion.forEach((k, v) -> expected.put(k, (long) v.size()));
    assertThat(got).isEqualTo(expected);

    String version =
        events.stream()
            .map(StoredEvent::version)
            .filter(v -> v != null)
            .max(Comparator.naturalOrder())
            .orElseThrow();
    FleetQueries.Filter one = new FleetQueries.Filter(product, all.since(), version, 1);
    assertThat(store.fleet().versionsOverTime(one).rows())
        .allSatisfy(r -> assertThat(r.get(1)).isEqualTo(version));

    FleetQueries.Filter k5 = new FleetQueries.Filter(product, all.since(), null, 5);
    assertThat(store.fleet().breakdown(k5, "os").rows())
        .allSatisfy(r -> assertThat(((Number) r.get(1)).longValue()).isGreaterThanOrEqualTo(5));
  }

  /**
   * The web UI's figures (beacon.js events): views and installations per route template, logins and
   * installations per day; a route shown by fewer installations than the minimum is left out, and a
   * hostile route name stored as it came breaks nothing.
   */
  @Test
  void webUiPageViewsLoginsAndTheMinimumPerRoute() {
    String ui = "ui" + System.nanoTime();
    Instant at = Instant.now().minus(Duration.ofMinutes(5));
    String hostile = "/x'); DROP TABLE events;--<img src=x> \"%_";
    List<StoredEvent> batch = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      batch.add(uiEvent(ui, "page", "/a", "u" + i, at));
      batch.add(uiEvent(ui, "page", "/a", "u" + i, at.plusMillis(1)));
    }
    for (int k = 0; k < 3; k++) {
      batch.add(uiEvent(ui, "page", "/b", "u1", at.plusMillis(2 + k)));
    }
    batch.add(uiEvent(ui, "track", "login", "u1", at));
    batch.add(uiEvent(ui, "track", "login", "u2", at));
    batch.add(uiEvent(ui, "page", hostile, "u5", at));
    // A page event of another library is not the web UI's.
    batch.add(
        new StoredEvent(
            ui,
            "m-other",
            "page",
            "/a",
            "u9",
            null,
            at,
            at,
            "1.0",
            null,
            null,
            null,
            "analytics.js",
            "{}",
            "{}"));
    store.append(batch);
    FleetQueries.Filter f = new FleetQueries.Filter(ui, all.since(), null, 1);
    assertThat(store.fleet().webUi().routes(f).rows().stream().map(Object::toString).toList())
        .containsExactly("[/a, 8, 4]", "[/b, 3, 1]", "[" + hostile + ", 1, 1]");
    String today = at.atZone(ZoneOffset.UTC).toLocalDate().toString();
    assertThat(store.fleet().webUi().perDay(f).rows().stream().map(Object::toString).toList())
        .containsExactly("[" + today + ", 12, 2, 5]");
    FleetQueries.Filter k2 = new FleetQueries.Filter(ui, all.since(), null, 2);
    assertThat(store.fleet().webUi().routes(k2).rows().stream().map(Object::toString).toList())
        .containsExactly("[/a, 8, 4]");
    assertThat(
            store.fleet().webUi().routesOverTime(k2).rows().stream().map(Object::toString).toList())
        .containsExactly("[" + today + ", /a, 8]");
  }

  private static StoredEvent uiEvent(
      String product, String type, String event, String installation, Instant at) {
    return new StoredEvent(
        product,
        UUID.randomUUID().toString(),
        type,
        event,
        installation,
        null,
        at,
        at,
        "1.0",
        null,
        null,
        null,
        "beacon-js",
        type.equals("page") ? "{\"route\":\"x\"}" : "{}",
        "{}");
  }

  /**
   * Audit H1: stored values of the wrong type, keys no JSON path can name, numbers out of range,
   * written straight into the store (as rows stored before ingest checked them would be): every
   * query answers, and the clean installations' figures are what they were.
   */
  @Test
  void poisonedStoredValuesBreakNoQueryAndLeaveTheCleanFiguresAlone() {
    Map<String, Table> clean = everyQuery();
    Instant at = Instant.now().minus(Duration.ofHours(1));
    List<StoredEvent> poison = new ArrayList<>();
    String[] reports = {
      "{\"vm_specs\":{\"total_memory\":\"lots\",\"num_cpus\":\"many\"},"
          + "\"features\":{\"x[\":1,\"a.b\":2,\"\":3,\"q\\\"r\":4,\"/~\":5}}",
      "{\"vm_specs\":{\"total_memory\":1e300,\"num_cpus\":-1},\"features\":\"not an object\"}",
      "{\"vm_specs\":{\"total_memory\":\"-Infinity\"},\"features\":[1,2],"
          + "\"active_plugins\":\"not a list\"}",
      "{\"vm_specs\":\"a string\",\"features\":{\"n\":{\"nested\":true}},\"edition\":{\"x\":1}}",
      "{\"vm_specs\":{\"total_memory\":\"NaN\"},\"features\":{\"u\\u0000\":1}}"
    };
    for (int i = 0; i < reports.length; i++) {
      poison.add(poisoned("evil-" + i, "report", null, at, reports[i]));
    }
    poison.add(
        poisoned(
            "evil-cli",
            "track",
            "CommandExited",
            at,
            "{\"command\":\"evil cmd\",\"eventData\":{\"exitCode\":\"x\",\"durationMs\":\"slow\"}}"));
    poison.add(
        poisoned(
            "evil-cli",
            "track",
            "CommandStarted",
            at,
            "{\"command\":\"evil cmd\",\"eventData\":{\"options\":\"none\"}}"));
    poison.add(
        poisoned(
            "evil-health",
            "track",
            "health",
            at,
            "{\"health-unit-a-unhealthy\":\"n/a\",\"health-unit-b-unhealthy\":1e999,"
                + "\"b\\\"c\":1,\"\":2}"));
    store.append(poison);

    Map<String, Table> after = everyQuery(); // none of them throws
    for (Map.Entry<String, Table> q : clean.entrySet()) {
      if (q.getKey().equals("active") || q.getKey().equals("new-lost")) {
        continue;
      }
      List<String> cleanRows = comparable(q.getValue());
      assertThat(comparable(after.get(q.getKey())))
          .as("clean rows of %s", q.getKey())
          .containsAll(cleanRows);
    }
    // Seven new installations, all active.
    assertThat(((Number) after.get("active").rows().get(0).get(2)).longValue())
        .isEqualTo(((Number) clean.get("active").rows().get(0).get(2)).longValue() + 7);
    // The questions over time answer too, and name the hostile keys as text.
    FleetQueries fleet = store.fleet();
    FleetTrends t = fleet.trends();
    ReleaseTrends releases = fleet.releases();
    FeatureTrends features = fleet.features();
    CommandTrends commands = fleet.commands();
    List<Function<FleetQueries.Filter, Table>> trends =
        List.of(
            t::activity,
            t::growth,
            releases::versionShare,
            releases::releases,
            releases::upgrades,
            fleet.retention()::retention,
            features::featureTrend,
            features::featureVersions,
            commands::commandTrend,
            commands::commandVersions,
            commands::exitCodes,
            commands::healthUnits);
    for (var q : trends) {
      assertThat(q.apply(all).columns()).isNotEmpty();
    }
    assertThat(comparable(features.featureVersions(all)))
        .anySatisfy(r -> assertThat(r).startsWith("evil-1.0|feature|a.b|"))
        .anySatisfy(r -> assertThat(r).startsWith("evil-1.0|feature|q\"r|"));
    assertThat(comparable(commands.exitCodes(all))).contains("evil cmd|x|1");
    // Keys with a dot or a bracket are read as keys, not as paths.
    List<String> adoption = comparable(after.get("adoption"));
    assertThat(adoption).contains("feature|a.b|1", "feature|x[|1", "feature|q\"r|1", "feature||1");
  }

  private StoredEvent poisoned(
      String installation, String type, String event, Instant at, String properties) {
    return new StoredEvent(
        product,
        UUID.randomUUID().toString(),
        type,
        event == null ? "report" : event,
        installation,
        null,
        at,
        at,
        "evil-1.0",
        "evil-os",
        null,
        null,
        null,
        properties,
        "{}");
  }

  private Map<String, Table> everyQuery() {
    Map<String, Table> out = new LinkedHashMap<>();
    FleetQueries q = store.fleet();
    out.put("active", q.active(all));
    out.put("new-lost", q.newAndLost(all));
    out.put("versions", q.versionsOverTime(all));
    for (String by : new TreeSet<>(FleetQueries.BREAKDOWNS)) {
      out.put("breakdown " + by, q.breakdown(all, by));
    }
    out.put("clusters", q.clusterSizes(all));
    out.put("adoption", q.adoption(all));
    out.put("field", q.field(all, "vm_specs.num_cpus"));
    out.put("field memory", q.field(all, "vm_specs.total_memory"));
    out.put("commands", q.commands().byCommand(all));
    out.put("options", q.commands().optionUse(all));
    out.put("health", q.commands().unhealthyUnits(all));
    out.put("web-ui", q.webUi().perDay(all));
    out.put("ui-routes", q.webUi().routes(all));
    out.put("ui-routes-daily", q.webUi().routesOverTime(all));
    return out;
  }

  /**
   * Rows as text without the columns that poisoned installations may move for everyone (shares of
   * all installations, counts of reporting ones), and without rows of a null key (the poisoned
   * installations' unreadable values land there).
   */
  private static List<String> comparable(Table t) {
    List<String> out = new ArrayList<>();
    for (List<Object> row : t.rows()) {
      if (row.get(0) == null) {
        continue;
      }
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        String column = t.columns().get(i);
        if (column.equals("percent") || column.equals("reporting")) {
          continue;
        }
        Object v = row.get(i);
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
          v = d.longValue(); // one store answers 3.0 where the other answers 3
        }
        sb.append(sb.length() == 0 ? "" : "|").append(v);
      }
      out.add(sb.toString());
    }
    return out;
  }

  private static Map<String, Long> asMap(Table t) {
    Map<String, Long> m = new HashMap<>();
    for (List<Object> r : t.rows()) {
      m.put(String.valueOf(r.get(0)), ((Number) r.get(1)).longValue());
    }
    return m;
  }

  /** Linear interpolation between closest ranks, as quantile_cont / percentile_cont. */
  static double percentile(double[] sorted, double p) {
    double pos = p * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = (int) Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }

  private static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
