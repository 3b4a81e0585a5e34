package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.server.storage.FleetQueries.Filter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Random event streams (duplicates, late and backdated events, days out of order, values of the
 * wrong type, a retention cut), written in random groups: every answer the rollups give equals the
 * one the landed raw-event queries ({@link RawFleetQueries}) compute from the same store's events,
 * percentiles within the sketch's 1 %. Every store runs it.
 */
abstract class RollupPropertyContract {
  private static final String[] VERSIONS = {"1.0", "1.1", "2.0", null};
  private static final String[] OS = {"Ubuntu", "Debian", "macOS", null};
  private static final String[] COMMANDS = {"app build", "app deploy", "app lint"};
  private static final String[] OPTIONS = {"tag", "push", "registry"};
  private static final String[] PLUGINS = {"retainer", "bridge", "auth"};
  private static final String[] FEATURES = {"retained", "delayed", "rewrite"};
  private static final String[] ROUTES = {"/", "/services/[id]", "/nodes", "/settings", "/x"};

  protected EventStore store;

  protected abstract EventStore open();

  protected abstract RawDialect rawDialect();

  @BeforeEach
  void openStore() {
    store = open();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void everyAnswerFromRollupsEqualsTheRawEventQueries() {
    for (long seed = 1; seed <= 6; seed++) {
      String product = "prop" + seed + "x" + System.nanoTime();
      List<StoredEvent> stream = stream(product, new Random(seed));
      write(stream, new Random(seed * 7));
      Filter all = new Filter(product, FleetQueries.windowStart(45), null, 1);
      compare(product, all, "seed " + seed);
      // Every answer has something to compare: none is equal because both are empty.
      assertThat(answers(raw(), all, product))
          .allSatisfy((q, rows) -> assertThat(rows).as("%s: %s", product, q).isNotEmpty());
      compare(product, new Filter(product, all.since(), "1.1", 1), "seed " + seed + ", v1.1");
      // Buckets under a minimum of installations left out alike (commands chosen by commands()).
      compare(product, new Filter(product, all.since(), null, 3), "seed " + seed + ", k 3");
      if (seed == 1) {
        // Over 62 weeks: activity in many chunks, retention by its joined query.
        compare(product, new Filter(product, FleetQueries.windowStart(450), null, 1), "450 days");
      }

      // Made again from the raw events (as after an upgrade), the rollups answer the same.
      store.rebuildRollups(product);
      store.completeRollups(p -> {}, () -> false);
      compare(product, all, "seed " + seed + ", rebuilt");

      // A retention cut 20 days back: the answers for a window after it are what they were.
      Filter recent = new Filter(product, FleetQueries.windowStart(15), null, 1);
      Map<String, List<String>> before = answers(raw(), recent, product);
      Instant cutoff = FleetQueries.windowStart(20);
      store.deleteOlderThan(cutoff);
      store.deleteRollupsOlderThan(cutoff);
      Map<String, List<String>> after = rollupAnswers(recent, product);
      // Activity's spans reach behind the cut: they count what is left, as the raw events do
      // (the span of days that holds the cutoff lost its days before it, not the ones after).
      assertThat(after.get("activity"))
          .as("seed " + seed + ", activity after the retention cut")
          .isEqualTo(answers(raw(), recent, product).get("activity"));
      // These look behind the window (the spans and the previous window reach before the cut,
      // upgrade paths follow each installation's versions from its first day): left out.
      for (String behind : List.of("activity", "growth", "upgrades")) {
        after.remove(behind);
        before.remove(behind);
      }
      // "Active in 30 days" reaches behind the cut, whatever the window: its 1 and 7 days do not.
      assertThat(after.remove("active").get(0)).startsWith(active17(before.remove("active")));
      same(after, before, "seed " + seed + " after the retention cut");
    }
  }

  /**
   * Erasing installations leaves every answer as if they had never sent anything, and no row of any
   * table carries their ids; their events sent again afterwards are stored as new, counted whole.
   */
  @Test
  void erasingAnInstallationAnswersAsIfItHadNeverSent() {
    for (long seed = 1; seed <= 4; seed++) {
      String product = "erase" + seed + "x" + System.nanoTime();
      List<StoredEvent> stream = stream(product, new Random(seed));
      write(stream, new Random(seed * 7));
      String i3 = "i3z" + product;
      String i8 = "i8z" + product;
      for (String id : List.of(i3, i8)) {
        store.quarantine(
            product,
            Instant.now(),
            List.of(
                new Rejection("bad", "{\"anonymousId\":\"" + id + "\",\"timestamp\":7}"),
                new Rejection("bad", "{\"anonymousId\":\"someone-else\"}")));
      }
      long before = store.count(product);
      Erased erased = store.erase(product, i3, "test");
      store.erase(product, i8, "test");
      List<StoredEvent> mine = stream.stream().filter(e -> e.installationId().equals(i3)).toList();
      assertThat(erased.events()).isEqualTo(mine.size());
      assertThat(erased.quarantined()).isEqualTo(1);
      assertThat(store.count(product))
          .isEqualTo(
              before
                  - mine.size()
                  - stream.stream().filter(e -> e.installationId().equals(i8)).count());
      assertThat(store.quarantined(product, 10)).hasSize(2);
      for (String id : List.of(i3, i8)) {
        assertThat(rowsNaming(id)).as("seed %d: rows naming %s", seed, id).isEmpty();
      }
      Filter all = new Filter(product, FleetQueries.windowStart(45), null, 1);
      compare(product, all, "seed " + seed + ", erased");
      compare(product, new Filter(product, all.since(), "1.1", 1), "seed " + seed + ", erased 1.1");

      // Sent again (a retry after the erasure): stored as new, and counted whole.
      assertThat(store.append(mine)).containsOnly(true);
      compare(product, all, "seed " + seed + ", sent again");
      assertThat(store.auditLog(10).rows())
          .anySatisfy(
              r -> {
                assertThat(r.get(1)).isEqualTo("test");
                assertThat(r.get(3)).isEqualTo(product);
                assertThat(r.get(4)).isEqualTo((long) mine.size());
              });
    }
  }

  /** Every table's every text column, searched for the text: "table.column" where it is found. */
  private List<String> rowsNaming(String id) {
    return store
        .fleet()
        .connector()
        .read(
            "scan",
            c -> {
              List<String[]> columns = new ArrayList<>();
              try (var rs =
                  c.createStatement()
                      .executeQuery(
                          "SELECT table_name, column_name FROM information_schema.columns"
                              + " WHERE table_schema IN ('main', 'public')"
                              + " AND data_type IN ('VARCHAR', 'text', 'jsonb', 'JSON')")) {
                while (rs.next()) {
                  columns.add(new String[] {rs.getString(1), rs.getString(2)});
                }
              }
              assertThat(columns).hasSizeGreaterThan(20);
              List<String> found = new ArrayList<>();
              for (String[] col : columns) {
                try (var ps =
                    c.prepareStatement(
                        "SELECT count(*) FROM "
                            + col[0]
                            + " WHERE strpos(CAST("
                            + col[1]
                            + " AS VARCHAR), ?) > 0")) {
                  ps.setString(1, id);
                  try (var rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                      found.add(col[0] + "." + col[1]);
                    }
                  }
                }
              }
              return found;
            });
  }

  private static String active17(List<String> active) {
    String a = active.get(0);
    return a.substring(0, a.lastIndexOf('|') + 1);
  }

  /** Raw SQL and rollups answer the same, for every query. */
  void compare(String product, Filter f, String what) {
    same(rollupAnswers(f, product), answers(raw(), f, product), what);
  }

  private static void same(
      Map<String, List<String>> rollups, Map<String, List<String>> reference, String what) {
    assertThat(rollups.keySet()).isEqualTo(reference.keySet());
    for (String q : reference.keySet()) {
      if (q.equals("commands")) {
        commandsMatch(rollups.get(q), reference.get(q), 3, what + ": " + q);
      } else if (q.equals("command-trend") || q.equals("command-versions")) {
        commandsMatch(rollups.get(q), reference.get(q), 4, what + ": " + q);
      } else {
        assertThat(rollups.get(q)).as("%s: %s", what, q).isEqualTo(reference.get(q));
      }
    }
  }

  private RawFleetQueries raw() {
    return new RawFleetQueries(rawDialect(), store.fleet().connector());
  }

  private Map<String, List<String>> rollupAnswers(Filter f, String product) {
    FleetQueries q = store.fleet();
    FleetTrends t = q.trends();
    return collect(
        f,
        Map.ofEntries(
            Map.entry("active", x -> q.active(x)),
            Map.entry("new-lost", x -> q.newAndLost(x)),
            Map.entry("versions", x -> q.versionsOverTime(x)),
            Map.entry("os", x -> q.breakdown(x, "os")),
            Map.entry("arch", x -> q.breakdown(x, "arch")),
            Map.entry("runtime", x -> q.breakdown(x, "runtime")),
            Map.entry("cpus", x -> q.breakdown(x, "cpus")),
            Map.entry("memory", x -> q.breakdown(x, "memory")),
            Map.entry("edition", x -> q.breakdown(x, "edition")),
            Map.entry("clusters", x -> q.clusterSizes(x)),
            Map.entry("adoption", x -> q.adoption(x)),
            Map.entry("field", x -> q.field(x, "vm_specs.num_cpus")),
            Map.entry("field features", x -> q.field(x, "features.retained")),
            Map.entry("commands", x -> q.commands().byCommand(x)),
            Map.entry("options", x -> q.commands().optionUse(x)),
            Map.entry("health", x -> q.commands().unhealthyUnits(x)),
            Map.entry("web-ui", x -> q.webUi().perDay(x)),
            Map.entry("ui-routes", x -> q.webUi().routes(x)),
            Map.entry("ui-routes-daily", x -> q.webUi().routesOverTime(x)),
            Map.entry("summary", x -> summaryTable(store.summary(product, x.since()))),
            Map.entry("activity", x -> t.activity(x)),
            Map.entry("growth", x -> t.growth(x)),
            Map.entry("version-share", x -> q.releases().versionShare(x)),
            Map.entry("releases", x -> q.releases().releases(x)),
            Map.entry("upgrades", x -> q.releases().upgrades(x)),
            Map.entry("retention", x -> q.retention().retention(x)),
            Map.entry("feature-trend", x -> q.features().featureTrend(x)),
            Map.entry("feature-versions", x -> q.features().featureVersions(x)),
            Map.entry("command-trend", x -> q.commands().commandTrend(x)),
            Map.entry("command-versions", x -> q.commands().commandVersions(x)),
            Map.entry("exit-codes", x -> q.commands().exitCodes(x)),
            Map.entry("health-units", x -> q.commands().healthUnits(x))));
  }

  private Map<String, List<String>> answers(RawFleetQueries q, Filter f, String product) {
    RawTrends t = new RawTrends(rawDialect(), store.fleet().connector());
    return collect(
        f,
        Map.ofEntries(
            Map.entry("active", x -> q.active(x)),
            Map.entry("new-lost", x -> q.newAndLost(x)),
            Map.entry("versions", x -> q.versionsOverTime(x)),
            Map.entry("os", x -> q.breakdown(x, "os")),
            Map.entry("arch", x -> q.breakdown(x, "arch")),
            Map.entry("runtime", x -> q.breakdown(x, "runtime")),
            Map.entry("cpus", x -> q.breakdown(x, "cpus")),
            Map.entry("memory", x -> q.breakdown(x, "memory")),
            Map.entry("edition", x -> q.breakdown(x, "edition")),
            Map.entry("clusters", x -> q.clusterSizes(x)),
            Map.entry("adoption", x -> q.adoption(x)),
            Map.entry("field", x -> q.field(x, "vm_specs.num_cpus")),
            Map.entry("field features", x -> q.field(x, "features.retained")),
            Map.entry("commands", x -> q.commands(x)),
            Map.entry("options", x -> q.optionUse(x)),
            Map.entry("health", x -> q.unhealthyUnits(x)),
            Map.entry("web-ui", x -> q.webUi(x)),
            Map.entry("ui-routes", x -> q.uiRoutes(x)),
            Map.entry("ui-routes-daily", x -> q.uiRoutesOverTime(x)),
            Map.entry("summary", x -> summaryTable(q.summary(product, x.since()))),
            Map.entry("activity", x -> t.activity(x)),
            Map.entry("growth", x -> t.growth(x)),
            Map.entry("version-share", x -> t.versionShare(x)),
            Map.entry("releases", x -> t.releases(x)),
            Map.entry("upgrades", x -> t.upgrades(x)),
            Map.entry("retention", x -> t.retention(x)),
            Map.entry("feature-trend", x -> t.featureTrend(x)),
            Map.entry("feature-versions", x -> t.featureVersions(x)),
            Map.entry("command-trend", x -> t.commandTrend(x)),
            Map.entry("command-versions", x -> t.commandVersions(x)),
            Map.entry("exit-codes", x -> t.exitCodes(x)),
            Map.entry("health-units", x -> t.healthUnits(x))));
  }

  private static Map<String, List<String>> collect(
      Filter f, Map<String, Function<Filter, Table>> queries) {
    Map<String, List<String>> out = new TreeMap<>();
    queries.forEach((name, query) -> out.put(name, rows(query.apply(f))));
    return out;
  }

  private static Table summaryTable(Summary s) {
    List<List<Object>> rows = new ArrayList<>();
    rows.add(List.of("active", s.activeInstallations()));
    rows.add(List.of("events", s.events()));
    s.versions().forEach(b -> rows.add(List.of("version " + b.name(), b.installations())));
    s.os().forEach(b -> rows.add(List.of("os " + b.name(), b.installations())));
    return new Table(List.of("what", "n"), rows);
  }

  /** Rows as sorted text, numbers written alike whatever type the store gave them. */
  private static List<String> rows(Table t) {
    List<String> out = new ArrayList<>();
    for (List<Object> row : t.rows()) {
      StringBuilder sb = new StringBuilder();
      for (Object v : row) {
        if (v instanceof Number n) {
          double d = n.doubleValue();
          v = d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : round(d);
        }
        sb.append(sb.length() == 0 ? "" : "|").append(v);
      }
      out.add(sb.toString());
    }
    Collections.sort(out);
    return out;
  }

  private static String round(double d) {
    return String.format(Locale.ROOT, "%.9g", d);
  }

  /**
   * Commands: every figure equal, but the percentiles (3 columns from {@code p50}), which are
   * within 1 %.
   */
  private static void commandsMatch(
      List<String> rollups, List<String> reference, int p50, String what) {
    assertThat(rollups).as("%s", what).isNotNull().hasSameSizeAs(reference);
    for (int i = 0; i < reference.size(); i++) {
      String[] got = rollups.get(i).split("\\|", -1);
      String[] want = reference.get(i).split("\\|", -1);
      for (int c = 0; c < want.length; c++) {
        if (c >= p50 && c <= p50 + 2 && !want[c].equals("null")) {
          double w = Double.parseDouble(want[c]);
          assertThat(Double.parseDouble(got[c]))
              .as("%s %s column %d", what, reference.get(i), c)
              .isCloseTo(w, Offset.offset(Math.abs(w) * 0.01 + 1e-6));
        } else {
          assertThat(got[c]).as("%s %s column %d", what, reference.get(i), c).isEqualTo(want[c]);
        }
      }
    }
  }

  /**
   * One group commit as the group-commit writer makes it: the events as one to four requests, each
   * prepared by the store on its own (as on the request's thread) but now and then one that is not
   * (then the store does the work itself for the whole group), written together.
   */
  private void writeAsRequests(List<StoredEvent> group, Random r) {
    List<Write> requests = new ArrayList<>();
    int requestCount = Math.min(group.size(), 1 + r.nextInt(4));
    boolean allPrepared = r.nextInt(5) > 0;
    int from = 0;
    for (int k = 0; k < requestCount; k++) {
      int to =
          k == requestCount - 1
              ? group.size()
              : from + 1 + r.nextInt(group.size() - from - (requestCount - k - 1));
      Write w = Write.events(group.subList(from, to));
      requests.add(allPrepared || k > 0 ? store.prepare(w) : w);
      from = to;
    }
    store.write(Write.group(requests));
  }

  /**
   * Writes the stream in groups of 1 to 40, in an order of its own (late and backdated events land
   * after later ones), with a fifth of the events sent again (same message id), and a query or a
   * restart of the store now and then. Each group is written as several requests ({@link
   * #writeAsRequests}).
   */
  private void write(List<StoredEvent> stream, Random r) {
    List<StoredEvent> order = new ArrayList<>(stream);
    Collections.shuffle(order, r);
    for (int i = 0; i < stream.size() / 5; i++) {
      order.add(r.nextInt(order.size()), stream.get(r.nextInt(stream.size())));
    }
    int i = 0;
    while (i < order.size()) {
      int n = Math.min(order.size() - i, 1 + r.nextInt(40));
      writeAsRequests(order.subList(i, i + n), r);
      i += n;
      int next = r.nextInt(8);
      if (next < 2) {
        // A query between groups: DuckDB merges the rollup rows waiting so far (PendingRollups),
        // so that later groups merge into rows already there.
        store.summary(order.get(0).product(), Instant.EPOCH);
      } else if (next == 2) {
        // Stopped and opened again: DuckDB's rows waiting in memory are lost (as in a crash) and
        // made again from the events of the groups after its watermark.
        store.close();
        store = open();
      }
    }
  }

  /** Events of 12 installations over the last 40 days, timestamps all distinct. */
  static List<StoredEvent> stream(String product, Random r) {
    List<StoredEvent> out = new ArrayList<>();
    Instant now = Instant.now();
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    Set<Instant> used = new HashSet<>();
    for (int inst = 0; inst < 12; inst++) {
      // No id is a part of another, nor of any other text, nor another product's.
      String id = "i" + inst + "z" + product;
      String cluster = r.nextInt(3) == 0 ? null : "c" + r.nextInt(4);
      int events = 5 + r.nextInt(40);
      for (int k = 0; k < events; k++) {
        LocalDate day = today.minusDays(r.nextInt(40));
        Instant at = day.atStartOfDay().toInstant(ZoneOffset.UTC).plusMillis(r.nextInt(86_000_000));
        if (at.isAfter(now)) {
          at = now.minus(Duration.ofMillis(1 + r.nextInt(3_600_000)));
        }
        while (!used.add(at)) {
          at = at.minusMillis(1); // no two events at one instant: "latest" is never a tie
        }
        String version = VERSIONS[r.nextInt(VERSIONS.length)];
        String os = OS[r.nextInt(OS.length)];
        int kind = r.nextInt(8);
        String type = kind == 0 || kind == 5 ? "report" : kind == 6 ? "page" : "track";
        String event =
            switch (kind) {
              case 0, 5 -> "report";
              case 1 -> "CommandStarted";
              case 2 -> "CommandExited";
              case 3 -> "health";
              case 6 -> ROUTES[r.nextInt(ROUTES.length)];
              case 7 -> r.nextBoolean() ? "login" : "logout";
              default -> "page";
            };
        String props =
            switch (kind) {
              case 0, 5 -> report(r);
              case 1 -> started(r);
              case 2 -> exited(r);
              case 3 -> health(r);
              case 6 -> "{}";
              default -> "{\"n\":" + r.nextInt(5) + "}";
            };
        out.add(
            new StoredEvent(
                product,
                product + "-" + inst + "-" + k,
                type,
                event,
                id,
                type.equals("report") ? cluster : null,
                at,
                now,
                version,
                os,
                r.nextBoolean() ? "amd64" : "arm64",
                r.nextBoolean() ? "jvm 21" : null,
                kind >= 6 ? "beacon-js" : "test",
                props,
                "{}"));
      }
    }
    return out;
  }

  private static String report(Random r) {
    String cpus =
        switch (r.nextInt(6)) {
          case 0 -> "\"many\"";
          case 1 -> "\"8\"";
          default -> Integer.toString(1 << r.nextInt(5));
        };
    String memory =
        switch (r.nextInt(6)) {
          case 0 -> "\"lots\"";
          case 1 -> "-5";
          default -> Long.toString((long) (1 + r.nextInt(64)) << 30);
        };
    StringBuilder plugins = new StringBuilder("[");
    for (String p : PLUGINS) {
      if (r.nextBoolean()) {
        plugins.append(plugins.length() > 1 ? "," : "").append('"').append(p).append('"');
      }
    }
    plugins.append(']');
    StringBuilder features = new StringBuilder("{");
    for (String f : FEATURES) {
      String v =
          switch (r.nextInt(5)) {
            case 0 -> "0";
            case 1 -> "false";
            case 2 -> "\"\"";
            case 3 -> "\"yes\"";
            default -> Integer.toString(r.nextInt(9));
          };
      features
          .append(features.length() > 1 ? "," : "")
          .append('"')
          .append(f)
          .append("\":")
          .append(v);
    }
    features.append('}');
    return "{\"vm_specs\":{\"num_cpus\":"
        + cpus
        + ",\"total_memory\":"
        + memory
        + "},\"edition\":"
        + (r.nextInt(8) == 0 ? "7" : r.nextBoolean() ? "\"oss\"" : "\"enterprise\"")
        + ",\"active_plugins\":"
        + (r.nextInt(8) == 0 ? "\"not a list\"" : plugins)
        + ",\"features\":"
        + (r.nextInt(8) == 0 ? "[1,2]" : features)
        + "}";
  }

  private static String started(Random r) {
    StringBuilder options = new StringBuilder("[");
    for (String o : OPTIONS) {
      if (r.nextBoolean()) {
        options
            .append(options.length() > 1 ? "," : "")
            .append("{\"name\":\"")
            .append(o)
            .append("\"}");
      }
    }
    options.append(']');
    return "{\"command\":\""
        + COMMANDS[r.nextInt(COMMANDS.length)]
        + "\",\"projectID\":\"p"
        + r.nextInt(5)
        + "\",\"eventData\":{\"options\":"
        + (r.nextInt(8) == 0 ? "\"none\"" : options)
        + "}}";
  }

  private static String exited(Random r) {
    String exit =
        switch (r.nextInt(8)) {
          case 0 -> "\"x\"";
          case 1 -> "1";
          case 2 -> "3";
          default -> "0";
        };
    String duration =
        switch (r.nextInt(10)) {
          case 0 -> "\"slow\"";
          case 1 -> "\"250\"";
          case 2 -> "0";
          default -> Long.toString((long) Math.exp(4 + r.nextGaussian() * 1.5));
        };
    return "{\"command\":"
        + (r.nextInt(10) == 0 ? "null" : "\"" + COMMANDS[r.nextInt(COMMANDS.length)] + "\"")
        + ",\"projectID\":"
        + (r.nextInt(6) == 0 ? "7" : "\"p" + r.nextInt(5) + "\"")
        + ",\"eventData\":{\"exitCode\":"
        + exit
        + ",\"durationMs\":"
        + duration
        + "}}";
  }

  private static String health(Random r) {
    return "{\"health-unit-a-unhealthy\":"
        + r.nextInt(3)
        + ",\"health-unit-b-unhealthy\":"
        + (r.nextInt(4) == 0 ? "\"n/a\"" : Integer.toString(r.nextInt(2)))
        + ",\"health-unit-a-total\":3}";
  }
}
