package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
