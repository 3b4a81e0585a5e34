package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.server.export.EventExport;
import dev.beacon.server.export.ExportFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compatibility suite every {@link EventStore} passes (as Micrometer's TCK does for its
 * backends). Each test uses its own product name, so implementations may share a database.
 */
abstract class EventStoreContract {
  protected EventStore store;
  private static int seq;
  protected String product;

  protected abstract EventStore open();

  /** The quarantine's bound in bytes the implementations are opened with here. */
  protected static long quarantineMaxBytes() {
    return 100_000;
  }

  @BeforeEach
  void openStore() {
    store = open();
    product = "p" + System.nanoTime() + "x" + seq++;
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  static StoredEvent event(
      String product, String id, String installation, String version, String os, Instant ts) {
    return new StoredEvent(
        product,
        id,
        "report",
        "report",
        installation,
        "cluster-1",
        ts,
        Instant.now().truncatedTo(ChronoUnit.MILLIS),
        version,
        os,
        "amd64",
        "jvm 21",
        "beacon-sdk",
        "{\"n\":1,\"s\":\"\u00e9\u2028<b>\"}",
        "{\"library\":{}}");
  }

  /**
   * Issue 16: an export in each format, read back (JSON lines with Jackson, CSV and Parquet with
   * DuckDB), holds every stored field of every event in the window and nothing else; values that
   * are hostile to a format (quotes, commas, line breaks, a formula's first character, non-ASCII,
   * JSON that must stay JSON) come back as they were stored, CSV's formula cells quoted.
   */
  @Test
  void anExportInEachFormatHoldsEveryStoredFieldOfTheWindow(@TempDir Path temp) throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<StoredEvent> events = new ArrayList<>();
    String[] hostile = {
      "=1+2", "a,b", "say \"hi\"", "line\nbreak", "\u00e9\u4e2d\ud83d\ude00", "-3", "@x"
    };
    for (int i = 0; i < 40; i++) {
      String h = hostile[i % hostile.length];
      events.add(
          new StoredEvent(
              product,
              "m-" + i,
              i % 2 == 0 ? "track" : "report",
              h,
              "inst-" + (i % 3),
              i % 4 == 0 ? null : "c,1",
              now.minus(i, ChronoUnit.HOURS),
              now,
              i % 5 == 0 ? null : "1." + i,
              h,
              "amd64",
              null,
              "beacon-sdk",
              "{\"k\":"
                  + i
                  + ",\"s\":\""
                  + h.replace("\"", "\\\"").replace("\n", "\\n")
                  + "\",\"a\":[1,{\"b\":null}]}",
              "{}"));
    }
    events.add(event(product, "too-old", "inst-0", "1.0", "Linux", now.minus(30, ChronoUnit.DAYS)));
    events.add(event("other" + product, "other", "inst-0", "1.0", "Linux", now));
    store.append(events);
    Instant from = now.minus(10, ChronoUnit.DAYS);
    Instant to = now.plusSeconds(60);
    Map<String, StoredEvent> stored = new TreeMap<>();
    for (StoredEvent e : store.events(product, 1000)) {
      if (!e.timestamp().isBefore(from)) {
        stored.put(e.messageId(), e);
      }
    }
    assertThat(stored).hasSize(40);

    ObjectMapper json = new ObjectMapper();
    String jsonl = new String(export(ExportFormat.JSONL, from, to, temp), StandardCharsets.UTF_8);
    List<String> lines = jsonl.lines().toList();
    assertThat(lines).hasSize(40);
    for (String line : lines) {
      JsonNode n = json.readTree(line);
      StoredEvent e = stored.get(n.get("message_id").asText());
      assertThat(e).as(line).isNotNull();
      List<Object> expected = fields(e);
      for (int i = 0; i < 13; i++) {
        JsonNode v = n.get(EventExport.COLUMNS.get(i));
        assertThat(v.isNull() ? null : v.asText()).isEqualTo(text(expected.get(i)));
      }
      assertThat(n.get("properties")).isEqualTo(json.readTree(e.properties()));
      assertThat(n.get("context")).isEqualTo(json.readTree(e.context()));
    }

    Path csv = temp.resolve("e.csv");
    Files.write(csv, export(ExportFormat.CSV, from, to, temp));
    Path parquet = temp.resolve("e.parquet");
    Files.write(parquet, export(ExportFormat.PARQUET, from, to, temp));
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
      List<List<Object>> fromCsv =
          rows(
              c,
              "SELECT * FROM read_csv('"
                  + csv
                  + "', header = true, all_varchar = true, quote = '\"', escape = '\"',"
                  + " delim = ',', strict_mode = true)");
      assertThat(fromCsv).hasSize(40);
      for (List<Object> row : fromCsv) {
        StoredEvent e = stored.get((String) row.get(1));
        List<Object> expected = fields(e);
        for (int i = 0; i < 15; i++) {
          String want = text(expected.get(i));
          if (want != null && "=+-@".indexOf(want.charAt(0)) >= 0) {
            want = "'" + want;
          }
          assertThat(row.get(i)).as("csv %s", EventExport.COLUMNS.get(i)).isEqualTo(want);
        }
      }
      List<List<Object>> fromParquet = rows(c, "SELECT * FROM read_parquet('" + parquet + "')");
      assertThat(fromParquet).hasSize(40);
      for (List<Object> row : fromParquet) {
        StoredEvent e = stored.get((String) row.get(1));
        List<Object> expected = fields(e);
        for (int i = 0; i < 15; i++) {
          Object want = expected.get(i);
          if (want instanceof Instant t) {
            want = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
          }
          assertThat(row.get(i)).as("parquet %s", EventExport.COLUMNS.get(i)).isEqualTo(want);
        }
      }
    }
    // The temporary files of the Parquet export are gone.
    try (Stream<Path> left = Files.list(temp)) {
      assertThat(left.filter(p -> p.getFileName().toString().startsWith("export-"))).isEmpty();
    }
  }

  /** Issue 16: the public page's figures, k applied on the server, on every store. */
  @Test
  void publicFiguresMergeBucketsUnderKIntoOther() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<StoredEvent> events = new ArrayList<>();
    for (int i = 0; i < 26; i++) {
      String version = i < 12 ? "2.0" : i < 22 ? "1.0" : i < 25 ? "0.9" : "0.8";
      events.add(event(product, "pf-" + i, "inst-" + i, version, i < 20 ? "Linux" : "macOS", now));
    }
    events.add(
        new StoredEvent(
            product,
            "pf-x",
            "report",
            "report",
            "inst-0",
            null,
            now.plusMillis(1), // its latest report
            now,
            "2.0",
            "Linux",
            "amd64",
            null,
            "t",
            "{\"one_off\":{\"x\":[{\"y\":1}]}}",
            "{}"));
    store.append(events);
    PublicFigures f = PublicFigures.of(store);
    LocalDate since = LocalDate.now(ZoneOffset.UTC).minusDays(7);
    Map<LocalDate, List<PublicFigures.Bucket>> versions = f.overTime(product, since, "version", 10);
    assertThat(versions).hasSize(1);
    assertThat(versions.values().iterator().next())
        .containsExactly(new PublicFigures.Bucket("2.0", 12), new PublicFigures.Bucket("1.0", 10));
    assertThat(f.overTime(product, since, "version", 4).values().iterator().next())
        .containsExactly(
            new PublicFigures.Bucket("2.0", 12),
            new PublicFigures.Bucket("1.0", 10),
            new PublicFigures.Bucket("other", 4));
    assertThat(f.overTime(product, since, "os", 10).values().iterator().next())
        .containsExactly(new PublicFigures.Bucket("Linux", 20));
    assertThat(f.overTime(product, since, "arch", 10).values().iterator().next())
        .containsExactly(new PublicFigures.Bucket("amd64", 26));
    assertThat(f.reportFields(product, since, 10)).containsExactly("n", "s");
    assertThat(f.reportFields(product, since, 1)).contains("one_off", "one_off.x", "one_off.x[].y");
    assertThat(f.eventNames(product, since, 10)).containsExactly("report report");
  }

  private byte[] export(ExportFormat f, Instant from, Instant to, Path temp) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(EventExport.write(store, product, from, to, f, out, temp)).isEqualTo(40);
    return out.toByteArray();
  }

  private static List<Object> fields(StoredEvent e) {
    return Arrays.asList(
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
        e.context());
  }

  private static String text(Object v) {
    return v == null ? null : v.toString();
  }

  private static List<List<Object>> rows(Connection c, String sql) throws SQLException {
    List<List<Object>> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          Object v = rs.getObject(i);
          row.add(v instanceof Timestamp t ? t.toLocalDateTime() : v);
        }
        out.add(row);
      }
    }
    return out;
  }

  @Test
  void appendsAndReadsBackEveryField() {
    Instant ts = Instant.parse("2026-11-20T10:15:30.123Z");
    StoredEvent e = event(product, "m1", "i1", "5.0.9", "Ubuntu", ts);
    assertThat(store.append(List.of(e))).containsExactly(true);
    List<StoredEvent> back = store.events(product, 10);
    assertThat(back).hasSize(1);
    StoredEvent b = back.get(0);
    assertThat(b.messageId()).isEqualTo("m1");
    assertThat(b.timestamp()).isEqualTo(ts);
    assertThat(b.receivedAt()).isEqualTo(e.receivedAt());
    assertThat(b.version()).isEqualTo("5.0.9");
    assertThat(b.os()).isEqualTo("Ubuntu");
    assertThat(b.runtime()).isEqualTo("jvm 21");
    assertThat(b.clusterId()).isEqualTo("cluster-1");
    assertThat(b.properties()).contains("\"n\"").contains("\u00e9");
  }

  @Test
  void aMessageIdIsStoredOnceWithinTheWindowAcrossAndWithinCalls() {
    Instant now = Instant.now();
    StoredEvent a = event(product, "same", "i1", "1", "Linux", now);
    assertThat(store.append(List.of(a, event(product, "other", "i1", "1", "Linux", now), a)))
        .containsExactly(true, true, false);
    assertThat(store.append(List.of(a))).containsExactly(false);
    assertThat(store.count(product)).isEqualTo(2);
    // The same id in another product is another message, in another call or in the same one.
    assertThat(store.append(List.of(event(product + "b", "same", "i1", "1", "Linux", now))))
        .containsExactly(true);
    StoredEvent c = event(product, "fresh", "i1", "1", "Linux", now);
    StoredEvent d = event(product + "c", "fresh", "i1", "1", "Linux", now);
    assertThat(store.append(List.of(c, d, c, d))).containsExactly(true, true, false, false);
    assertThat(store.count(product)).isEqualTo(3);
    assertThat(store.count(product + "c")).isEqualTo(1);
  }

  @Test
  void theSummaryCountsEachInstallationOnceByItsLatestVersionAndOs() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    List<StoredEvent> events = new ArrayList<>();
    events.add(event(product, "a1", "A", "1.0", "Ubuntu", now.minus(Duration.ofDays(3))));
    events.add(
        event(product, "a2", "A", "1.1", "Ubuntu", now.minus(Duration.ofDays(1)))); // upgraded
    events.add(event(product, "b1", "B", "1.1", "Debian", now.minus(Duration.ofDays(2))));
    events.add(event(product, "c1", "C", "1.0", "Debian", now.minus(Duration.ofHours(5))));
    events.add(event(product, "d1", "D", "0.9", "Alpine", now.minus(Duration.ofDays(40)))); // old
    store.append(events);

    Summary s = store.summary(product, now.minus(Duration.ofDays(30)));
    assertThat(s.activeInstallations()).isEqualTo(3);
    assertThat(s.events()).isEqualTo(4);
    assertThat(s.versions())
        .containsExactly(new Summary.Bucket("1.1", 2), new Summary.Bucket("1.0", 1));
    assertThat(s.os())
        .containsExactly(new Summary.Bucket("Debian", 2), new Summary.Bucket("Ubuntu", 1));

    Summary all = store.summary(product, now.minus(Duration.ofDays(60)));
    assertThat(all.activeInstallations()).isEqualTo(4);
    assertThat(store.summary(product + "none", now.minus(Duration.ofDays(60))).events()).isZero();
  }

  /** Audit L9: an id with a NUL (PostgreSQL text cannot hold one) is stored once, alone or not. */
  @Test
  void l9AMessageIdWithANulIsStoredOnceAndPoisonsNoGroup() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    StoredEvent nul = event(product, "nul\u0000id", "i-1", "1.0", "Linux", now);
    StoredEvent other = event(product, "plain-id", "i-2", "1.0", "Linux", now);
    assertThat(store.append(List.of(nul, other))).containsExactly(true, true);
    assertThat(store.append(List.of(nul))).containsExactly(false);
    assertThat(store.count(product)).isEqualTo(2);
  }

  /** Audit H2: the quarantine is bounded in bytes per product, oldest dropped first. */
  @Test
  void h2TheQuarantineIsBoundedInBytesPerProduct() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    String big = "{\"p\":\"" + "x".repeat(30_000) + "\"}";
    for (int i = 0; i < 4; i++) {
      store.quarantine(product, now, List.of(new Rejection("r" + i, big)));
    }
    // Opened with quarantineMaxBytes() = 100,000: three rows of 30,000 fit, the oldest went.
    List<QuarantinedEvent> all = store.quarantined(product, 100);
    assertThat(all).extracting(QuarantinedEvent::reason).containsExactly("r3", "r2", "r1");
    long bytes = all.stream().mapToLong(q -> q.raw().length() + q.reason().length()).sum();
    assertThat(bytes).isLessThanOrEqualTo(quarantineMaxBytes());
  }

  @Test
  void theQuarantineKeepsTheReasonAndTheRawEventAndIsBounded() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    long first =
        store
            .quarantine(
                product, now, List.of(new Rejection("timestamp is not ISO-8601", "{\"a\":1}")))[0];
    List<Rejection> many = new ArrayList<>();
    for (int i = 0; i < quarantineMax() + 5; i++) {
      many.add(new Rejection("reason " + i, "{\"i\":" + i + "}"));
    }
    long[] ids = store.quarantine(product, now, many.subList(0, 3));
    assertThat(ids).hasSize(3).isSorted();
    store.quarantine(product, now, many.subList(3, many.size()));
    List<QuarantinedEvent> q = store.quarantined(product, 1000);
    assertThat(q).hasSize(quarantineMax());
    assertThat(q.get(0).reason()).isEqualTo("reason " + (quarantineMax() + 4));
    assertThat(store.quarantinedEvent(product, first)).isEmpty(); // the oldest went first
    QuarantinedEvent newest = q.get(0);
    assertThat(store.quarantinedEvent(product, newest.id())).contains(newest);
    store.release(product, newest.id());
    assertThat(store.quarantinedEvent(product, newest.id())).isEmpty();
  }

  /** Issue 19: events, the quarantine and a replay's release commit together. */
  @Test
  void oneWriteCommitsItsEventsItsQuarantineAndItsReleasesTogether() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    long replayed = store.quarantine(product, now, List.of(new Rejection("old", "{\"a\":1}")))[0];
    Written w =
        store.write(
            new Write(
                List.of(
                    event(product, "w1", "A", "1", "L", now),
                    event(product, "w2", "B", "1", "L", now)),
                List.of(
                    new Write.Kept(
                        product,
                        now,
                        List.of(new Rejection("r1", "{}"), new Rejection("r2", "{}"))),
                    new Write.Kept(product + "other", now, List.of(new Rejection("r3", "{}")))),
                List.of(new Write.Released(product, replayed))));
    assertThat(w.stored()).containsExactly(true, true);
    assertThat(w.keptIds()).hasSize(2);
    assertThat(w.keptIds().get(0)).hasSize(2).isSorted();
    assertThat(w.keptIds().get(1)).hasSize(1);
    assertThat(store.count(product)).isEqualTo(2);
    assertThat(store.quarantined(product, 10))
        .extracting(QuarantinedEvent::reason)
        .containsExactly("r2", "r1");
    assertThat(store.quarantinedEvent(product, replayed)).isEmpty();
    assertThat(store.quarantined(product + "other", 10)).hasSize(1);
  }

  /** Issue 19: a write that fails in its quarantine part leaves none of its events either. */
  @Test
  void aWriteThatFailsLeavesNeitherItsEventsNorItsQuarantine() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Write broken =
        new Write(
            List.of(event(product, "x1", "A", "1", "L", now)),
            List.of(
                new Write.Kept(
                    product, now, List.of(new Rejection("fine", "{}"), new Rejection(null, "{}")))),
            List.of());
    assertThatThrownBy(() -> store.write(broken)).isInstanceOf(StorageException.class);
    assertThat(store.count(product)).isZero();
    assertThat(store.quarantined(product, 10)).isEmpty();
    Instant all = FleetQueries.windowStart(3650);
    assertThat(store.summary(product, all).events()).as("rollups rolled back too").isZero();
    // Nothing of it was remembered as stored: the same event is new on the next write.
    assertThat(store.append(List.of(event(product, "x1", "A", "1", "L", now))))
        .containsExactly(true);
    assertThat(store.summary(product, all).events()).isEqualTo(1);
    assertThat(store.summary(product, all).activeInstallations()).isEqualTo(1);
  }

  @Test
  void retentionDeletesEventsOlderThanTheCutoffOnly() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    store.append(
        List.of(
            event(product, "old", "A", "1", "L", now.minus(Duration.ofDays(400))),
            event(product, "older", "A", "1", "L", now.minus(Duration.ofDays(800))),
            event(product, "new", "A", "1", "L", now.minus(Duration.ofDays(3)))));
    assertThat(store.deleteOlderThan(now.minus(Duration.ofDays(365)))).isGreaterThanOrEqualTo(2);
    assertThat(store.events(product, 10)).extracting(StoredEvent::messageId).containsExactly("new");
  }

  @Test
  void reportsItselfWritable() {
    assertThat(store.writable()).isTrue();
  }

  protected int quarantineMax() {
    return 20;
  }
}
