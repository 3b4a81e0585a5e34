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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
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

  /** Flyway's V2 and {@link RollupTable} name the same columns, in the same order. */
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
        assertThat(columns)
            .as(t.table)
            .containsExactlyElementsOf(t.columns.stream().map(RollupTable.Column::name).toList());
      }
    }
  }

  @Override
  protected RawDialect rawDialect() {
    return RawDialect.POSTGRES;
  }
}
