package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuckDbStoreTest extends EventStoreContract {
  @TempDir Path dir;

  @Override
  protected EventStore open() {
    return new DuckDbStore(
        dir.resolve("beacon.duckdb"),
        Duration.ofHours(24),
        100_000,
        quarantineMax(),
        quarantineMaxBytes());
  }

  @Test
  void theDedupWindowSurvivesARestart() {
    Instant now = Instant.now();
    store.append(List.of(event(product, "kept", "A", "1", "L", now)));
    store.close();
    store = open();
    assertThat(store.append(List.of(event(product, "kept", "A", "1", "L", now))))
        .containsExactly(false);
    assertThat(store.count(product)).isEqualTo(1);
  }

  /**
   * A group's rollup rows wait in the pending tables (durable with its events) until a merge; a
   * store stopped before it (here: closed, which does not merge) merges them when it opens again,
   * and a query's answer counts them before that too.
   */
  @Test
  void rollupRowsNotYetMergedSurviveARestart() throws SQLException {
    Instant now = Instant.now();
    store.append(List.of(event(product, "m1", "A", "1.0", "Linux", now.minusSeconds(60))));
    store.append(List.of(event(product, "m2", "B", "2.0", "Linux", now.minusSeconds(30))));
    store.close();
    Path file = dir.resolve("beacon.duckdb");
    assertThat(rows(file, "pending_rollup_members")).as("waiting for a merge").isPositive();
    assertThat(rows(file, "rollup_members")).as("nothing merged yet").isZero();

    store = open();
    assertThat(rows(store, "pending_rollup_members")).as("merged when it opened").isZero();
    Summary s = store.summary(product, now.minus(Duration.ofDays(1)));
    assertThat(s.activeInstallations()).isEqualTo(2);
    assertThat(s.events()).isEqualTo(2);

    store.append(List.of(event(product, "m3", "C", "2.0", "Linux", now.minusSeconds(10))));
    assertThat(rows(store, "pending_rollup_members")).isPositive();
    // On a thread of its own, as the server's queries are: the merge must not need the writer's
    // thread (DuckDB's appenders belong to the thread that made them).
    Summary merged =
        CompletableFuture.supplyAsync(() -> store.summary(product, now.minus(Duration.ofDays(1))))
            .join();
    assertThat(merged.activeInstallations()).as("a query merges what waits first").isEqualTo(3);
    assertThat(rows(store, "pending_rollup_members")).isZero();
  }

  private static long rows(Path file, String table) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath())) {
      return rows(c, table);
    }
  }

  private static long rows(EventStore store, String table) {
    return ((DuckDbStore) store).read("count", c -> rows(c, table));
  }

  private static long rows(Connection c, String table) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
