package dev.beacon.server.storage;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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

  @Override
  protected EventStore open() {
    return new PostgresStore(
        url(), "postgres", "", 4, Duration.ofHours(24), quarantineMax(), quarantineMaxBytes());
  }
}
