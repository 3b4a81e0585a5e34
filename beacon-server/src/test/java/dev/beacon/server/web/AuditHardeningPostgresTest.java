package dev.beacon.server.web;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The audit's reproductions again, on a real PostgreSQL: a database of its own for each test. */
class AuditHardeningPostgresTest extends AuditHardeningTest {
  private static EmbeddedPostgres postgres;
  private static final AtomicInteger databases = new AtomicInteger();

  @BeforeAll
  static void startPostgres() throws IOException {
    postgres = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stopPostgres() throws IOException {
    postgres.close();
  }

  @Override
  protected Map<String, String> storage() {
    String db = "audit" + databases.incrementAndGet();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + db);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return Map.of(
        "BEACON_STORAGE__TYPE", "postgres",
        "BEACON_STORAGE__POSTGRES__URL", postgres.getJdbcUrl("postgres", db),
        "BEACON_STORAGE__POSTGRES__USER", "postgres");
  }
}
