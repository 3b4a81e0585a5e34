package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The same suite against a real PostgreSQL, started from embedded binaries. */
class PostgresStoreTest extends EventStoreContract {
  static EmbeddedPostgres postgres;

  @BeforeAll
  static void startPostgres() {
    try {
      postgres = EmbeddedPostgres.builder().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stopPostgres() throws IOException {
    postgres.close();
  }

  static String url() {
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  /**
   * A month's partition dropped by another server's retention while this one still knows it: an
   * event of that month (imported late) is stored all the same, in the partition made anew.
   */
  @Test
  void aPartitionAnotherServerDroppedIsMadeAgain() {
    Instant march = Instant.parse("1995-03-15T12:00:00Z");
    try (EventStore other = open()) {
      other.append(List.of(event("p95", "m-1", march)));
      assertThat(store.deleteOlderThan(Instant.parse("1996-01-01T00:00:00Z"))).isEqualTo(1);
      other.append(List.of(event("p95", "m-2", march)));
      assertThat(other.count("p95")).isEqualTo(1);
    }
  }

  /**
   * PostgreSQL breaks a deadlock by aborting one of the writes in it: here a write that claimed the
   * first event's id and waits for the second's, held by another session, which then wants the
   * first's. The aborted write is tried again and stores both events.
   */
  @Test
  void aWriteAbortedToBreakADeadlockIsTriedAgain() throws Exception {
    Instant now = Instant.now();
    try (Connection other = DriverManager.getConnection(url(), "postgres", "");
        Connection watch = DriverManager.getConnection(url(), "postgres", "")) {
      other.setAutoCommit(false);
      claim(other, "dl", "m-2");
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try {
        Future<?> write =
            pool.submit(
                () -> store.append(List.of(event("dl", "m-1", now), event("dl", "m-2", now))));
        // The write has claimed m-1 and waits for this session's m-2 ...
        await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnLocks(watch) > 0);
        // ... which now wants m-1: a deadlock, which the write's session (waiting longer) breaks.
        claim(other, "dl", "m-1");
        other.rollback();
        write.get(30, TimeUnit.SECONDS);
      } finally {
        pool.shutdown();
      }
    }
    assertThat(store.count("dl")).isEqualTo(2);
  }

  private static void claim(Connection c, String product, String id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO message_ids (product, message_id, received_at) VALUES (?, ?, now())")) {
      ps.setString(1, product);
      ps.setString(2, id);
      ps.executeUpdate();
    }
  }

  private static int waitingOnLocks(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static StoredEvent event(String product, String id, Instant at) {
    return new StoredEvent(
        product,
        id,
        "track",
        "CommandExited",
        "inst-1",
        null,
        at,
        Instant.now(),
        "1.0",
        null,
        null,
        null,
        null,
        "{}",
        "{}");
  }

  @Override
  protected EventStore open() {
    return new PostgresStore(
        url(), "postgres", "", 4, Duration.ofHours(24), quarantineMax(), quarantineMaxBytes());
  }
}
