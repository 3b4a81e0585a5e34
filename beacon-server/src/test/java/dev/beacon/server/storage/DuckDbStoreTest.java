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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
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
   * What {@code /metrics} shows of the window: the ids it holds after writes (a duplicate adds
   * none), after a restart (reloaded), and after an erasure (the installation's ids gone), and the
   * bytes of its tables.
   */
  @Test
  void theDedupWindowsSizeFollowsItsIds() {
    Instant now = Instant.now();
    assertThat(store.dedupWindow()).contains(new EventStore.WindowSize(0, 0));
    store.append(
        List.of(
            event(product, "w1", "A", "1", "L", now),
            event(product, "w2", "A", "1", "L", now),
            event(product, "w3", "B", "1", "L", now)));
    store.append(List.of(event(product, "w1", "A", "1", "L", now)));
    EventStore.WindowSize three = store.dedupWindow().orElseThrow();
    assertThat(three.ids()).isEqualTo(3);
    assertThat(three.bytes()).isPositive();

    store.close();
    store = open();
    assertThat(store.dedupWindow().orElseThrow().ids()).as("reloaded at start").isEqualTo(3);

    store.erase(product, "A", "test");
    assertThat(store.dedupWindow().orElseThrow().ids()).as("A's two ids erased").isEqualTo(1);
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
   * A group commit that fails and rolls back leaves the rows of the groups before it waiting as
   * they were: they are counted, once.
   */
  @Test
  void rowsWaitingWhenAWriteRollsBackAreStillCounted() {
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

  /**
   * A merge that fails (here: the last of its staging tables is gone, so the others were appended
   * to first) rolls back whole and drops the rows it took; the query that asked for it says so,
   * ingest goes on, and once the merge can run again the groups after the watermark are made again
   * from their events: each event counted once (an appender's flush outside a transaction would
   * commit on its own, and its rows be counted twice).
   */
  @Test
  void aMergeThatFailsIsMadeAgainFromTheEvents() {
    Instant now = Instant.now();
    Instant since = now.minus(Duration.ofDays(1));
    store.append(List.of(event(product, "f1", "A", "1.0", "Linux", now.minusSeconds(30))));
    assertThat(store.summary(product, since).events()).isEqualTo(1);
    RollupTable last = RollupTable.INSTALLATIONS; // the last one staged
    String staging = PendingRollups.table(last);
    sql("DROP TABLE " + staging);
    store.append(List.of(event(product, "f2", "B", "1.0", "Linux", now.minusSeconds(20))));
    store.append(List.of(event(product, "f3", "A", "1.0", "Linux", now.minusSeconds(10))));
    assertThatThrownBy(() -> store.summary(product, since))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("rollup merge failed");
    store.append(List.of(event(product, "f4", "C", "2.0", "Linux", now.minusSeconds(5))));
    sql(
        RollupSql.create(
            last, RollupSql.types("VARCHAR", "DOUBLE", "VARCHAR"), "CREATE TABLE", staging, false));
    Summary s = store.summary(product, since);
    assertThat(s.events()).isEqualTo(4);
    assertThat(s.activeInstallations()).isEqualTo(3);
    assertThat(store.count(product)).isEqualTo(4);
  }

  /**
   * Groups committed by one thread (as the server's writer) while queries merge from two others and
   * the background merge runs, a restart between rounds: every stored event is counted once.
   */
  @Test
  void groupsAndMergesBesideEachOtherCountEveryEventOnce() throws Exception {
    Instant now = Instant.now();
    Instant since = now.minus(Duration.ofDays(1));
    AtomicInteger ids = new AtomicInteger();
    for (int round = 0; round < 3; round++) {
      long until = System.nanoTime() + 2_500_000_000L;
      List<Thread> threads = new ArrayList<>();
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int g = 0; System.nanoTime() < until; g++) {
                      List<StoredEvent> group = new ArrayList<>();
                      for (int i = 0; i < 1 + g % 40; i++) {
                        group.add(
                            event(
                                product,
                                "g" + ids.incrementAndGet(),
                                "inst" + (g % 7),
                                "1." + (g % 3),
                                "Linux",
                                now.minusSeconds(i)));
                      }
                      store.append(group);
                    }
                  }));
      for (int q = 0; q < 2; q++) {
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      while (System.nanoTime() < until) {
                        store.summary(product, since);
                      }
                    }));
      }
      for (Thread t : threads) {
        t.join();
      }
      assertThat(store.count(product)).isEqualTo(ids.get());
      assertThat(store.summary(product, since).events()).as("round %d", round).isEqualTo(ids.get());
      store.close();
      store = open();
      assertThat(store.summary(product, since).events()).as("reopened").isEqualTo(ids.get());
    }
  }

  private void sql(String statement) {
    ((DuckDbStore) store)
        .read(
            "test",
            c -> {
              try (Statement st = c.createStatement()) {
                st.execute(statement);
              }
              if (!c.getAutoCommit()) {
                c.commit();
              }
              return null;
            });
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
