package dev.beacon.server.storage;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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

  @Override
  protected RawDialect rawDialect() {
    return RawDialect.POSTGRES;
  }
}
