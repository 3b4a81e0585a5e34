package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class StorageExceptionTest {
  /** Audit M3: what is logged of a failure quotes no telemetry and cannot forge a log line. */
  @Test
  void m3ADescriptionHoldsClassesAndSqlStateButNoMessage() {
    SQLException cause =
        new SQLException(
            "Conversion Error: Could not convert string 'x\n20:20:00.000 ERROR FORGED LINE' to"
                + " DOUBLE",
            "22018");
    String d =
        StorageException.describe(
            new StorageException("append failed: " + cause.getMessage(), cause));
    assertThat(d)
        .isEqualTo(
            "dev.beacon.server.storage.StorageException <- java.sql.SQLException (SQL state 22018)");
    assertThat(d).doesNotContain("FORGED").doesNotContain("\n");
  }
}
