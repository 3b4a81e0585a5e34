package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
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
   * kept under its lock), so every answer is still the raw events'.
   */
  @Test
  @Disabled(
      "found a deadlock in PostgresStore's write between two servers (message_ids claim against"
          + " a relation lock, CI 2026-12-07 17:30 UTC); enable once the write takes its locks in"
          + " one order")
  void twoServersWritingTheSameInstallationsAtOnceAnswerAsTheRawEvents() throws Exception {
    String product = "two" + System.nanoTime();
    List<StoredEvent> stream = stream(product, new Random(11));
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
    assertThat(store.count(product)).isEqualTo(stream.size());
    FleetQueries.Filter all =
        new FleetQueries.Filter(product, FleetQueries.windowStart(45), null, 1);
    compare(product, all, "two servers");
    compare(product, new FleetQueries.Filter(product, all.since(), "1.1", 1), "two servers, v1.1");
  }

  @Override
  protected RawDialect rawDialect() {
    return RawDialect.POSTGRES;
  }
}
