package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
   * A group's rollup rows wait in memory until a merge, and its events carry the group's number; a
   * store stopped before the merge (here: closed, which does not merge, as a crash) makes them
   * again from the events after the watermark when it opens, and a query's answer counts waiting
   * rows before that too. Each event is counted once, however often the store stops.
   */
  @Test
  void rollupRowsNotYetMergedSurviveARestart() throws SQLException {
    Instant now = Instant.now();
    store.append(List.of(event(product, "m1", "A", "1.0", "Linux", now.minusSeconds(60))));
    store.append(List.of(event(product, "m2", "B", "2.0", "Linux", now.minusSeconds(30))));
    store.close();
    Path file = dir.resolve("beacon.duckdb");
    assertThat(rows(file, "rollup_members")).as("nothing merged yet").isZero();
    assertThat(rows(file, "events WHERE seq > (SELECT max(seq) FROM rollup_merged)"))
        .as("groups after the watermark")
        .isEqualTo(2);

    store = open();
    assertThat(rows(store, "events WHERE seq > (SELECT max(seq) FROM rollup_merged)"))
        .as("merged when it opened")
        .isZero();
    Summary s = store.summary(product, now.minus(Duration.ofDays(1)));
    assertThat(s.activeInstallations()).isEqualTo(2);
    assertThat(s.events()).isEqualTo(2);

    store.append(List.of(event(product, "m3", "C", "2.0", "Linux", now.minusSeconds(10))));
    // On a thread of its own, as the server's queries are: the merge must not need the writer's
    // thread (DuckDB's appenders belong to the thread that made them).
    Summary merged =
        CompletableFuture.supplyAsync(() -> store.summary(product, now.minus(Duration.ofDays(1))))
            .join();
    assertThat(merged.activeInstallations()).as("a query merges what waits first").isEqualTo(3);
    assertThat(merged.events()).isEqualTo(3);
    assertThat(rows(store, "pending_rollup_members")).isZero();

    // Stopped again with a group waiting, opened twice: counted once.
    store.append(List.of(event(product, "m4", "D", "2.0", "Linux", now.minusSeconds(5))));
    store.close();
    store = open();
    store.close();
    store = open();
    Summary again = store.summary(product, now.minus(Duration.ofDays(1)));
    assertThat(again.events()).isEqualTo(4);
    assertThat(again.activeInstallations()).isEqualTo(4);
  }

  /**
   * A rolled-back transaction may have held a merge, so the rows waiting in memory are dropped and
   * made again from the events of the groups after the watermark: the events stored before the
   * failed write are still counted, once.
   */
  @Test
  void rowsWaitingWhenAWriteRollsBackAreMadeAgainFromTheirEvents() {
    Instant now = Instant.now();
    store.append(List.of(event(product, "w1", "A", "1.0", "Linux", now.minusSeconds(20))));
    store.append(List.of(event(product, "w2", "A", "1.0", "Linux", now.minusSeconds(10))));
    Write broken =
        new Write(
            List.of(event(product, "w3", "B", "1.0", "Linux", now)),
            List.of(new Write.Kept(product, now, List.of(new Rejection(null, "{}")))),
            List.of());
    assertThatThrownBy(() -> store.write(broken)).isInstanceOf(StorageException.class);
    store.append(List.of(event(product, "w4", "C", "1.0", "Linux", now.minusSeconds(5))));
    Summary s = store.summary(product, now.minus(Duration.ofDays(1)));
    assertThat(s.events()).isEqualTo(3);
    assertThat(s.activeInstallations()).isEqualTo(2);
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
