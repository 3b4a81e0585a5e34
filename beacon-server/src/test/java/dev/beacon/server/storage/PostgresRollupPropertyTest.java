package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresRollupPropertyTest extends RollupPropertyContract {
  static EmbeddedPostgres postgres;

  @BeforeAll
  static void startPostgres() throws IOException {
    postgres = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stopPostgres() throws IOException {
    postgres.close();
  }

  @Override
  protected EventStore open() {
    return new PostgresStore(
        postgres.getJdbcUrl("postgres", "postgres"), "postgres", "", 4, Duration.ofHours(24), 100);
  }

  /**
   * After every test (writes, rebuilds, retention cuts, erasures, two servers at once): the upgrade
   * moves counted as they happened are those of the seen rows, counted whole.
   */
  @AfterEach
  void theCountedMovesAreThoseOfTheSeenRows() throws SQLException {
    try (Connection c = postgres.getPostgresDatabase().getConnection()) {
      List<String> counted =
          rows(
              c,
              "SELECT product, day, name, sub, CAST(sum(n) AS BIGINT) FROM rollup_counts"
                  + " WHERE family = '"
                  + UpgradeMoves.MOVE
                  + "' GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4");
      List<String> whole =
          rows(
              c,
              "SELECT c1, c2, c5, c6, c7 FROM ("
                  + UpgradeMoves.movesFromSeen("")
                  + ") m (c1, c2, c3, c4, c5, c6, c7) ORDER BY 1, 2, 3, 4");
      assertThat(counted).isEqualTo(whole);
    }
  }

  private static List<String> rows(Connection c, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            rs.getString(1)
                + " "
                + rs.getString(2)
                + " "
                + rs.getString(3)
                + " → "
                + rs.getString(4)
                + ": "
                + rs.getLong(5));
      }
    }
    return out;
  }

  /**
   * Flyway's migrations and {@link RollupTable} name the same columns, in the same order (the kept
   * ones last).
   */
  @Test
  void theMigrationHasTheColumnsOfRollupTable() throws SQLException {
    try (Connection c = postgres.getPostgresDatabase().getConnection()) {
      for (RollupTable t : RollupTable.values()) {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
                    + " ORDER BY ordinal_position")) {
          ps.setString(1, t.table);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              columns.add(rs.getString(1));
            }
          }
        }
        List<String> expected = new ArrayList<>();
        Stream.concat(t.columns.stream(), t.kept.stream()).forEach(col -> expected.add(col.name()));
        assertThat(columns).as(t.table).containsExactlyElementsOf(expected);
      }
    }
  }

  /**
   * Two servers on one database writing the same installations at once (each event twice, in
   * batches of either): the seen rows' moves are counted exactly (a row's days before an upsert are
   * kept under its lock), so every answer is still the raw events'. Another product's events fall
   * in 24 months nobody wrote before, so both servers create monthly partitions while they write
   * (once a deadlock: a partition made inside the write locked the events table while waiting on
   * the other server's message id claim).
   */
  @Test
  void twoServersWritingTheSameInstallationsAtOnceAnswerAsTheRawEvents() throws Exception {
    String product = "two" + System.nanoTime();
    List<StoredEvent> stream = new ArrayList<>(stream(product, new Random(11)));
    String old = "old" + System.nanoTime();
    Instant longAgo = Instant.parse("1990-01-15T12:00:00Z");
    for (int m = 0; m < 24; m++) {
      StoredEvent e = stream.get(m);
      Instant at = longAgo.atZone(ZoneOffset.UTC).plusMonths(m).toInstant();
      stream.add(
          new StoredEvent(
              old,
              "old-" + m,
              e.type(),
              e.event(),
              e.installationId(),
              e.clusterId(),
              at,
              e.receivedAt(),
              e.version(),
              e.os(),
              e.arch(),
              e.runtime(),
              e.library(),
              e.properties(),
              e.context(),
              e.facts()));
    }
    try (EventStore other = open()) {
      List<Callable<Void>> writers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        EventStore target = w == 0 ? store : other;
        Random r = new Random(w);
        writers.add(
            () -> {
              List<StoredEvent> order = new ArrayList<>(stream);
              Collections.shuffle(order, r);
              for (int i = 0; i < order.size(); i += 7) {
                target.append(order.subList(i, Math.min(order.size(), i + 7)));
              }
              return null;
            });
      }
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        for (Future<Void> f : pool.invokeAll(writers)) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
    }
    assertThat(store.count(product)).isEqualTo(stream.size() - 24);
    assertThat(store.count(old)).isEqualTo(24);
    FleetQueries.Filter all =
        new FleetQueries.Filter(product, FleetQueries.windowStart(45), null, 1);
    compare(product, all, "two servers");
    compare(product, new FleetQueries.Filter(product, all.since(), "1.1", 1), "two servers, v1.1");
  }

  /**
   * Two servers on one database that both wrote 300 installations' first version, then at once each
   * another version of theirs, on days those installations were already seen: neither server's
   * commit touches a row the other's does (their caches leave out the installations' rows of all
   * versions), so neither sees the other's new version before it commits, yet each move is counted
   * once (the lock per product in {@link UpgradeMoves}; without it, the move between the two new
   * versions was missed and one that never was counted).
   */
  @Test
  void serversWritingAnInstallationsVersionsAtOnceCountEachMoveOnce() throws Exception {
    String product = "split" + System.nanoTime();
    try (EventStore second = open()) {
      List<EventStore> servers = List.of(store, second);
      for (int s = 0; s < 2; s++) {
        servers.get(s).append(versionEvents(product, "s" + s, "0.0", 12));
        servers.get(s).append(versionEvents(product, "t" + s, "0.0", 2));
      }
      CountDownLatch start = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<Void>> done = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
          EventStore target = servers.get(s);
          List<StoredEvent> events = versionEvents(product, "u" + s, (s + 1) + ".0", 8 - 2 * s);
          done.add(
              pool.submit(
                  () -> {
                    start.await();
                    target.append(events);
                    return null;
                  }));
        }
        start.countDown();
        for (Future<Void> f : done) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
    }
    FleetQueries.Filter all =
        new FleetQueries.Filter(product, FleetQueries.windowStart(45), null, 1);
    assertThat(store.fleet().releases().upgrades(all).rows())
        .containsExactly(List.of("0.0", "1.0", 300L), List.of("1.0", "2.0", 300L));
    compare(product, all, "two servers, one version each");
  }

  /** An event of each of 300 installations with a version, {@code daysAgo}. */
  private static List<StoredEvent> versionEvents(
      String product, String ids, String version, int daysAgo) {
    Instant now = Instant.now();
    List<StoredEvent> events = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      events.add(
          new StoredEvent(
              product,
              ids + "-" + i,
              "track",
              "CommandExited",
              "inst-" + i,
              null,
              now.minus(Duration.ofDays(daysAgo)),
              now,
              version,
              null,
              null,
              null,
              null,
              "{\"command\":\"c\"}",
              "{}"));
    }
    return events;
  }

  @Override
  protected RawDialect rawDialect() {
    return RawDialect.POSTGRES;
  }
}
