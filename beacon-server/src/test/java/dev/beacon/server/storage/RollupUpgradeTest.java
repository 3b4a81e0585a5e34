package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.server.storage.FleetQueries.Filter;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.assertj.core.data.Offset;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory written by the landed version, before rollups (see {@code
 * landed-0.1.0/README.md}), opens with this one: the rollups are backfilled from its raw events,
 * the queries answer meanwhile, and once done every answer is what the landed version gave. The
 * same events in a PostgreSQL database at the landed schema (V1) upgrade the same way.
 */
class RollupUpgradeTest {
  private static Double number(JsonNode value) {
    try {
      double d = value.isNull() ? Double.NaN : Double.parseDouble(value.asText());
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static final String FIXTURE = "/dev/beacon/server/storage/landed-0.1.0/";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aLandedDuckDbDirectoryIsBackfilledAndAnswersAsBefore() throws Exception {
    Path file = dir.resolve("beacon.duckdb");
    copyFixture(file);
    try (EventStore store = new DuckDbStore(file, Duration.ofHours(24), 100_000, 100)) {
      assertThat(store.count("acme")).isEqualTo(1212);
      upgradesAndAnswersAsBefore(store);
    }
    // Opened again: the backfill is not done twice.
    try (EventStore store = new DuckDbStore(file, Duration.ofHours(24), 100_000, 100)) {
      assertThat(store.backfillRollups()).isNull();
      assertSameAnswers(store);
    }
  }

  @Test
  void aLandedPostgresDatabaseIsBackfilledAndAnswersAsBefore() throws Exception {
    Path file = dir.resolve("beacon.duckdb");
    copyFixture(file);
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      // The landed schema, and the landed events in it, as the landed PostgresStore wrote them.
      Flyway.configure()
          .dataSource(url, "postgres", "")
          .locations("classpath:db/postgres")
          .target("1")
          .load()
          .migrate();
      try (Connection duck = DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath());
          Connection c = DriverManager.getConnection(url, "postgres", "")) {
        copyEvents(duck, c);
      }
      try (EventStore store =
          new PostgresStore(url, "postgres", "", 4, Duration.ofHours(24), 100)) {
        assertThat(store.count("acme")).isEqualTo(1212);
        upgradesAndAnswersAsBefore(store);
      }
    }
  }

  /**
   * A store whose rollups were kept before {@code rollup_days} and the seen counts were (the table,
   * the seen rows' kept days and the counts are dropped here, with PostgreSQL's record of
   * migrations V5 to V8): opened again, it makes the days from its members and counts its seen rows
   * (and on PostgreSQL the upgrade moves), and activity, retention, features, commands and upgrade
   * paths answer as before (PostgreSQL's from its counts as DuckDB's from the seen rows).
   */
  @Test
  void rollupsKeptBeforeTheDaysTableAndTheSeenCountsGetThemFromTheirRows() throws Exception {
    Path file = dir.resolve("days.duckdb");
    Map<String, List<List<Object>>> before;
    try (EventStore store = new DuckDbStore(file, Duration.ofHours(24), 100_000, 100)) {
      before = activeDays(store);
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath());
        Statement s = c.createStatement()) {
      dropDaysAndSeenCounts(s);
    }
    try (EventStore store = new DuckDbStore(file, Duration.ofHours(24), 100_000, 100)) {
      assertThat(answers(store)).isEqualTo(before);
    }
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      try (EventStore store =
          new PostgresStore(url, "postgres", "", 4, Duration.ofHours(24), 100)) {
        assertThat(activeDays(store)).isEqualTo(before);
      }
      try (Connection c = DriverManager.getConnection(url, "postgres", "");
          Statement s = c.createStatement()) {
        dropDaysAndSeenCounts(s);
        s.execute("DROP INDEX rollup_seen_versions");
        assertThat(s.executeUpdate("DELETE FROM rollup_counts WHERE family = 'move'")).isPositive();
        s.execute("DELETE FROM flyway_schema_history WHERE version IN ('5', '6', '7', '8')");
      }
      try (EventStore store =
          new PostgresStore(url, "postgres", "", 4, Duration.ofHours(24), 100)) {
        assertThat(answers(store)).isEqualTo(before);
      }
    }
  }

  private static void dropDaysAndSeenCounts(Statement s) throws SQLException {
    s.execute("DROP TABLE rollup_days");
    s.execute("ALTER TABLE rollup_seen DROP COLUMN prev_first");
    s.execute("ALTER TABLE rollup_seen DROP COLUMN prev_last");
    assertThat(
            s.executeUpdate(
                "DELETE FROM rollup_counts WHERE family IN ('seen_first', 'seen_last')"))
        .isPositive();
  }

  /**
   * Writes 40 installations' events over 100 days (command runs and reports naming plugins),
   * versions and gaps alike; answers as below.
   */
  private static Map<String, List<List<Object>>> activeDays(EventStore store) {
    Random r = new Random(5);
    List<StoredEvent> events = new ArrayList<>();
    Instant now = Instant.now();
    for (int i = 0; i < 40; i++) {
      for (int d = 0; d < 100; d++) {
        if (r.nextInt(3) == 0) {
          Instant at = now.minus(Duration.ofDays(d)).minusSeconds(r.nextInt(3600));
          boolean report = r.nextBoolean();
          events.add(
              new StoredEvent(
                  "acme",
                  "m-" + i + "-" + d,
                  report ? "report" : "track",
                  report ? "report" : "CommandExited",
                  "inst-" + i,
                  null,
                  at,
                  now,
                  i % 2 == 0 || d >= 50 ? "1.0" : "2.0", // odd ones upgrade 50 days ago
                  null,
                  null,
                  null,
                  null,
                  report
                      ? "{\"active_plugins\":[\"p" + r.nextInt(3) + "\"]}"
                      : "{\"command\":\"c" + r.nextInt(3) + "\",\"projectID\":\"x" + i % 4 + "\"}",
                  "{}"));
        }
      }
    }
    store.append(events);
    Map<String, List<List<Object>>> a = answers(store);
    assertThat(a.get("activity")).anySatisfy(row -> assertThat((Long) row.get(3)).isPositive());
    assertThat(a.get("feature versions null")).isNotEmpty();
    assertThat(a.get("upgrades null")).isNotEmpty();
    assertThat(a.get("commands 2.0")).anySatisfy(row -> assertThat(row.get(7)).isNotEqualTo(0L));
    return a;
  }

  private static Map<String, List<List<Object>>> answers(EventStore store) {
    Map<String, List<List<Object>>> a = new LinkedHashMap<>();
    for (String version : Arrays.asList(null, "2.0")) {
      Filter f = new Filter("acme", FleetQueries.windowStart(90), version, 1);
      a.put("activity " + version, store.fleet().trends().activity(f).rows());
      a.put("retention " + version, store.fleet().retention().retention(f).rows());
      a.put("features " + version, store.fleet().features().featureTrend(f).rows());
      a.put("feature versions " + version, store.fleet().features().featureVersions(f).rows());
      a.put("upgrades " + version, store.fleet().releases().upgrades(f).rows());
      a.put("commands " + version, store.fleet().commands().byCommand(f).rows());
    }
    a.put("activity", a.get("activity null"));
    return a;
  }

  private void upgradesAndAnswersAsBefore(EventStore store) throws IOException {
    // Before the backfill, the queries answer (from what is ready: nothing yet).
    assertThat(store.summary("acme", FleetQueries.windowStart(3650)).events()).isZero();
    List<BackfillProgress> steps = new ArrayList<>();
    BackfillProgress first = store.backfillRollups();
    assertThat(first).isNotNull();
    steps.add(first);
    // Midway, answers are partial but never fail.
    assertThat(store.summary("acme", FleetQueries.windowStart(3650)).events())
        .isEqualTo(first.events());
    store.completeRollups(steps::add, () -> false);
    assertThat(steps).last().satisfies(p -> assertThat(p.done()).isTrue());
    assertThat(steps.stream().mapToLong(BackfillProgress::events).sum()).isEqualTo(1212);
    assertSameAnswers(store);
  }

  private static void assertSameAnswers(EventStore store) throws IOException {
    Filter all = new Filter("acme", FleetQueries.windowStart(3650), null, 1);
    FleetQueries q = store.fleet();
    Map<String, Table> now = new LinkedHashMap<>();
    now.put("versions", q.versionsOverTime(all));
    for (String by : List.of("os", "cpus", "memory", "edition")) {
      now.put("breakdown_by_" + by, q.breakdown(all, by));
    }
    now.put("clusters", q.clusterSizes(all));
    now.put("adoption", q.adoption(all));
    now.put("field_path_edition", q.field(all, "edition"));
    now.put("commands", q.commands().byCommand(all));
    now.put("options", q.commands().optionUse(all));
    now.put("health", q.commands().unhealthyUnits(all));
    for (Map.Entry<String, Table> e : now.entrySet()) {
      JsonNode landed = fixture("answers/" + e.getKey() + ".json");
      Table t = e.getValue();
      assertThat(t.columns()).as(e.getKey()).containsExactlyElementsOf(names(landed));
      assertThat(t.rows()).as(e.getKey()).hasSize(landed.get("rows").size());
      List<JsonNode> landedRows = new ArrayList<>();
      landed.get("rows").forEach(landedRows::add);
      if (e.getKey().endsWith("_cpus") || e.getKey().endsWith("_memory")) {
        // Numeric buckets are listed in numeric order now (they were by installations); unreadable
        // values last, in the order they had.
        landedRows.sort(
            Comparator.comparing(
                (JsonNode row) -> number(row.get(0)),
                Comparator.nullsLast(Comparator.naturalOrder())));
      }
      for (int r = 0; r < t.rows().size(); r++) {
        JsonNode want = landedRows.get(r);
        for (int c = 0; c < want.size(); c++) {
          Object got = t.rows().get(r).get(c);
          String where = e.getKey() + " row " + r + " column " + t.columns().get(c);
          if (want.get(c).isNumber()) {
            double w = want.get(c).asDouble();
            // Percentiles come from the duration sketch: within its 1 %.
            double tolerance = t.columns().get(c).startsWith("p") ? Math.abs(w) * 0.01 : 1e-9;
            assertThat(((Number) got).doubleValue())
                .as(where)
                .isCloseTo(w, Offset.offset(tolerance + 1e-9));
          } else {
            assertThat(got).as(where).isEqualTo(want.get(c).isNull() ? null : want.get(c).asText());
          }
        }
      }
    }
    JsonNode summary = fixture("answers/summary.json");
    Summary s = store.summary("acme", FleetQueries.windowStart(3650));
    assertThat(s.activeInstallations()).isEqualTo(summary.get("active_installations").asLong());
    assertThat(s.events()).isEqualTo(summary.get("events").asLong());
    List<String> versions = new ArrayList<>();
    summary
        .get("versions")
        .forEach(v -> versions.add(v.get("version").asText() + "=" + v.get("installations")));
    assertThat(s.versions())
        .extracting(b -> b.name() + "=" + b.installations())
        .containsExactlyElementsOf(versions);
    List<String> os = new ArrayList<>();
    summary.get("os").forEach(v -> os.add(v.get("name").asText() + "=" + v.get("installations")));
    assertThat(s.os())
        .extracting(b -> b.name() + "=" + b.installations())
        .containsExactlyElementsOf(os);
  }

  private static List<String> names(JsonNode answer) {
    List<String> out = new ArrayList<>();
    answer.get("columns").forEach(c -> out.add(c.asText()));
    return out;
  }

  /** The events, column by column, into monthly partitions named as the landed store named them. */
  private static void copyEvents(Connection duck, Connection pg) throws Exception {
    String columns =
        "product, message_id, type, event, installation_id, cluster_id, ts, received_at, version,"
            + " os, arch, runtime, library, properties, context";
    TreeSet<YearMonth> months = new TreeSet<>();
    try (Statement s = duck.createStatement();
        ResultSet rs = s.executeQuery("SELECT DISTINCT strftime(ts, '%Y-%m') FROM events")) {
      while (rs.next()) {
        months.add(YearMonth.parse(rs.getString(1)));
      }
    }
    try (Statement s = pg.createStatement()) {
      for (YearMonth m : months) {
        s.execute(
            String.format(
                "CREATE TABLE events_y%04dm%02d PARTITION OF events FOR VALUES FROM ('%s') TO ('%s')",
                m.getYear(), m.getMonthValue(), m.atDay(1), m.plusMonths(1).atDay(1)));
      }
    }
    try (Statement s = duck.createStatement();
        ResultSet rs = s.executeQuery("SELECT " + columns + " FROM events");
        PreparedStatement ins =
            pg.prepareStatement(
                "INSERT INTO events ("
                    + columns
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)");
        PreparedStatement ids =
            pg.prepareStatement(
                "INSERT INTO message_ids (product, message_id, received_at) VALUES (?, ?, ?)")) {
      while (rs.next()) {
        for (int i = 1; i <= 15; i++) {
          Object v = i == 7 || i == 8 ? rs.getObject(i, LocalDateTime.class) : rs.getString(i);
          ins.setObject(i, v);
        }
        ins.addBatch();
        ids.setString(1, rs.getString(1));
        ids.setString(2, rs.getString(2));
        ids.setObject(3, rs.getObject(8, LocalDateTime.class));
        ids.addBatch();
      }
      ins.executeBatch();
      ids.executeBatch();
    }
  }

  private void copyFixture(Path to) throws IOException {
    try (InputStream in = RollupUpgradeTest.class.getResourceAsStream(FIXTURE + "beacon.duckdb")) {
      assertThat(in).as("the fixture is on the test class path").isNotNull();
      Files.copy(in, to);
    }
  }

  private static JsonNode fixture(String name) throws IOException {
    try (InputStream in = RollupUpgradeTest.class.getResourceAsStream(FIXTURE + name)) {
      return JSON.readTree(in);
    }
  }
}
