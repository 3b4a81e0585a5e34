package dev.beacon.server.export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.StoredEvent;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Writes a product's stored events, every stored field, as JSON lines, CSV or Parquet, streamed
 * from the store's cursor: the heap holds one fetch of rows and one line, whatever the number of
 * events. Parquet goes through a DuckDB file of its own in a temporary directory (DuckDB writes the
 * Parquet, spilling to that directory past its memory limit), which is deleted after.
 */
public final class EventExport {
  /** The columns, in {@link StoredEvent}'s order, as every format names them. */
  public static final List<String> COLUMNS =
      List.of(
          "product",
          "message_id",
          "type",
          "event",
          "installation_id",
          "cluster_id",
          "ts",
          "received_at",
          "version",
          "os",
          "arch",
          "runtime",
          "library",
          "properties",
          "context");

  /** Reads stored JSON again, bounded as the ingest's reader is (the text came from it). */
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNestingDepth(256).maxStringLength(1 << 20).build())
          .build();

  private EventExport() {}

  /**
   * Writes the events of {@code [from, to)}; {@code out} is not closed.
   *
   * @param temp where Parquet is made (and deleted after)
   * @return how many events
   */
  public static long write(
      EventStore store,
      String product,
      Instant from,
      Instant to,
      ExportFormat format,
      OutputStream out,
      Path temp)
      throws IOException {
    return switch (format) {
      case JSONL -> jsonl(store, product, from, to, out);
      case CSV -> csv(store, product, from, to, out);
      case PARQUET -> parquet(store, product, from, to, out, temp);
    };
  }

  private static long jsonl(
      EventStore store, String product, Instant from, Instant to, OutputStream out)
      throws IOException {
    JsonGenerator g = JSON.createGenerator(new BufferedOutputStream(out, 1 << 16));
    g.setRootValueSeparator(null);
    long n =
        store.export(
            product,
            from,
            to,
            e -> {
              g.writeStartObject();
              Object[] v = values(e);
              for (int i = 0; i < v.length; i++) {
                g.writeFieldName(COLUMNS.get(i));
                if (i >= 13) {
                  json(g, (String) v[i]);
                } else if (v[i] == null) {
                  g.writeNull();
                } else {
                  g.writeString(v[i].toString());
                }
              }
              g.writeEndObject();
              g.writeRaw('\n');
            });
    g.flush();
    return n;
  }

  /** Stored JSON as JSON; text that is not JSON (none should be) as a string, never broken. */
  private static void json(JsonGenerator g, String text) throws IOException {
    if (text == null) {
      g.writeNull();
      return;
    }
    JsonParser p = JSON.createParser(text);
    try (JsonGenerator scratch = JSON.createGenerator(Writer.nullWriter())) {
      p.nextToken();
      scratch.copyCurrentStructure(p); // a dry run: it parses whole, or it is written as text
      if (p.nextToken() != null) {
        throw new IOException("trailing text");
      }
    } catch (IOException | RuntimeException notJson) {
      g.writeString(text);
      return;
    }
    g.writeRawValue(text);
  }

  private static long csv(
      EventStore store, String product, Instant from, Instant to, OutputStream out)
      throws IOException {
    Writer w =
        new OutputStreamWriter(new BufferedOutputStream(out, 1 << 16), StandardCharsets.UTF_8);
    StringBuilder line = new StringBuilder();
    Csv.line(line, COLUMNS);
    w.append(line);
    long n =
        store.export(
            product,
            from,
            to,
            e -> {
              line.setLength(0);
              Csv.line(line, Arrays.asList(values(e)));
              w.append(line);
            });
    w.flush();
    return n;
  }

  private static long parquet(
      EventStore store, String product, Instant from, Instant to, OutputStream out, Path temp)
      throws IOException {
    Path dir = Files.createTempDirectory(Files.createDirectories(temp), "export-");
    Path db = dir.resolve("export.duckdb");
    Path file = dir.resolve("events.parquet");
    try {
      long n;
      try (DuckDBConnection c =
          (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + db.toAbsolutePath())) {
        try (Statement s = c.createStatement()) {
          s.execute("SET memory_limit = '256MB'");
          s.execute("SET threads = 1");
          s.execute("SET temp_directory = " + literal(dir.resolve("spill").toString()));
          s.execute(
              "CREATE TABLE events (product VARCHAR, message_id VARCHAR, type VARCHAR,"
                  + " event VARCHAR, installation_id VARCHAR, cluster_id VARCHAR, ts TIMESTAMP,"
                  + " received_at TIMESTAMP, version VARCHAR, os VARCHAR, arch VARCHAR,"
                  + " runtime VARCHAR, library VARCHAR, properties VARCHAR, context VARCHAR)");
        }
        try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "events")) {
          n =
              store.export(
                  product,
                  from,
                  to,
                  e -> {
                    try {
                      a.beginRow();
                      for (Object v : values(e)) {
                        switch (v) {
                          case null -> a.appendNull();
                          case Instant t -> a.append(LocalDateTime.ofInstant(t, ZoneOffset.UTC));
                          default -> a.append(v.toString());
                        }
                      }
                      a.endRow();
                    } catch (SQLException ex) {
                      throw new IOException("cannot stage the export: " + ex.getMessage(), ex);
                    }
                  });
        }
        try (Statement s = c.createStatement()) {
          s.execute(
              "COPY events TO "
                  + literal(file.toAbsolutePath().toString())
                  + " (FORMAT parquet, COMPRESSION zstd)");
        }
      } catch (SQLException e) {
        throw new IOException("cannot write Parquet: " + e.getMessage(), e);
      }
      Files.copy(file, out);
      out.flush();
      return n;
    } finally {
      deleteAll(dir);
    }
  }

  private static Object[] values(StoredEvent e) {
    return new Object[] {
      e.product(),
      e.messageId(),
      e.type(),
      e.event(),
      e.installationId(),
      e.clusterId(),
      e.timestamp(),
      e.receivedAt(),
      e.version(),
      e.os(),
      e.arch(),
      e.runtime(),
      e.library(),
      e.properties(),
      e.context()
    };
  }

  /** A path as an SQL string literal (the directory is the server's own, never a client's). */
  private static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  private static void deleteAll(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
