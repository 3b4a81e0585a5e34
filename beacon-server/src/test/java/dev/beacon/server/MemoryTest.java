package dev.beacon.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.server.storage.DuckDbStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class MemoryTest {
  @TempDir Path tmp;

  @Test
  void duckDbMayTakeHalfTheHeapLimitBetween128MiBAnd1GiB() {
    assertThat(Memory.duckDbLimitBytes(64 * Memory.MIB)).isEqualTo(128 * Memory.MIB);
    assertThat(Memory.duckDbLimitBytes(768 * Memory.MIB)).isEqualTo(384 * Memory.MIB);
    assertThat(Memory.duckDbLimitBytes(6144 * Memory.MIB)).isEqualTo(1024 * Memory.MIB);
  }

  @Test
  void aDuckDbStoreOpensWithThatLimit() throws Exception {
    Path file = tmp.resolve("beacon.duckdb");
    try (DuckDbStore store = new DuckDbStore(file, Duration.ofMinutes(1), 100, 10);
        // The same file again in this process: DuckDB hands out the store's database instance.
        Connection same = DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath());
        Connection other = DriverManager.getConnection("jdbc:duckdb:")) {
      assertThat(store.count("none")).isZero();
      assertThat(memoryLimit(same))
          .isCloseTo(Memory.duckDbLimitBytes(), Percentage.withPercentage(1));
      // Another database keeps DuckDB's default, 80 % of the machine's memory: more.
      assertThat(memoryLimit(other)).isGreaterThan(Memory.duckDbLimitBytes());
    }
  }

  private static long memoryLimit(Connection c) throws Exception {
    try (ResultSet rs =
        c.createStatement()
            .executeQuery("SELECT value FROM duckdb_settings() WHERE name = 'memory_limit'")) {
      rs.next();
      return parse(rs.getString(1));
    }
  }

  @Test
  void settlingTwiceIsHarmless() {
    Memory.settle(LoggerFactory.getLogger(MemoryTest.class));
    Memory.settle(LoggerFactory.getLogger(MemoryTest.class));
  }

  /** DuckDB's way of writing an amount of memory, such as {@code 476.8 MiB}, in bytes. */
  private static long parse(String s) {
    String[] p = s.strip().split(" ", -1);
    double n = Double.parseDouble(p[0]);
    long unit =
        switch (p[1]) {
          case "KiB" -> 1L << 10;
          case "MiB" -> 1L << 20;
          case "GiB" -> 1L << 30;
          case "TiB" -> 1L << 40;
          case "KB" -> 1000L;
          case "MB" -> 1000_000L;
          case "GB" -> 1000_000_000L;
          default -> 1;
        };
    return (long) (n * unit);
  }
}
