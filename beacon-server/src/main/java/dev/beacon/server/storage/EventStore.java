package dev.beacon.server.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Where accepted events, and the refused ones kept in quarantine, live. Every implementation passes
 * the same compatibility suite ({@code EventStoreContract} in the tests).
 *
 * <p>Idempotency: an event whose (product, messageId) was stored within the dedup window is not
 * stored again. {@link #write} commits before it returns: a caller that acknowledges after it has
 * returned never loses what it acknowledged. Every change goes through {@link #write}, which the
 * server calls from its one group-commit writer.
 */
public interface EventStore extends AutoCloseable {
  /**
   * Stores the events that are new, keeps the refused ones in quarantine (dropping a product's
   * oldest past the quarantine's bounds), removes the released ones, and commits all of it in one
   * transaction.
   */
  Written write(Write write);

  /**
   * What of a write's work needs none of the store's state, done before the write waits for its
   * turn: on the request's own thread, while the writer commits other groups (the group-commit
   * writer calls it). Returns the write with what {@link #write} then uses, or the write as it is
   * (the default, and when anything goes wrong here: {@link #write} then does the work itself).
   */
  default Write prepare(Write write) {
    return write;
  }

  /**
   * The dedup window as this server holds it in memory, for the operator's {@code /metrics}; empty
   * where the database holds it (PostgreSQL's {@code message_ids} table, shared by the servers).
   */
  default Optional<WindowSize> dedupWindow() {
    return Optional.empty();
  }

  /** The ids a dedup window holds, and the bytes its tables take. */
  record WindowSize(long ids, long bytes) {}

  /**
   * Stores the events that are new and commits.
   *
   * @return for each event, in order, true if stored now, false if it was a duplicate
   */
  default boolean[] append(List<StoredEvent> events) {
    return write(Write.events(events)).stored();
  }

  /** The product summary of DESIGN §4, from the rollups (window as {@link FleetQueries}'). */
  default Summary summary(String product, Instant since) {
    return fleet().summary(product, since);
  }

  /** Events of a product, newest first; for the API and tests. */
  List<StoredEvent> events(String product, int limit);

  long count(String product);

  /**
   * Keeps refused events, in one transaction, and drops the oldest past the quarantine's bound.
   *
   * @return their ids, in order
   */
  default long[] quarantine(String product, Instant receivedAt, List<Rejection> rejections) {
    Write w =
        new Write(List.of(), List.of(new Write.Kept(product, receivedAt, rejections)), List.of());
    return write(w).keptIds().get(0);
  }

  /** The quarantine's bound in bytes per product, unless configured otherwise. */
  long QUARANTINE_MAX_BYTES = 64L * 1024 * 1024;

  /** Quarantined events of a product with an id below {@code beforeId}, newest first. */
  List<QuarantinedEvent> quarantined(String product, long beforeId, int limit);

  /** The newest quarantined events of a product. */
  default List<QuarantinedEvent> quarantined(String product, int limit) {
    return quarantined(product, Long.MAX_VALUE, limit);
  }

  Optional<QuarantinedEvent> quarantinedEvent(String product, long id);

  /** Removes a quarantined event. */
  default void release(String product, long id) {
    write(new Write(List.of(), List.of(), List.of(new Write.Released(product, id))));
  }

  /** Takes the events of an export, one at a time; may throw to stop it. */
  interface EventSink {
    void accept(StoredEvent e) throws IOException;
  }

  /**
   * Streams a product's events that happened in {@code [from, to)} to {@code sink}, in storage
   * order, without holding them in memory (a cursor: the heap holds one fetch of rows).
   *
   * @return how many
   */
  long export(String product, Instant from, Instant to, EventSink sink) throws IOException;

  /**
   * Erases one installation of a product, in one transaction: its raw events, its dedup entries (a
   * retried upload of its old events is stored as new), the quarantined bodies that name it, its
   * rows of the rollups and what it added to their sums; records it in the audit log under {@code
   * actor}, without the id.
   */
  Erased erase(String product, String installation, String actor);

  /**
   * Writes a consistent copy of the store, as of the moment it starts, to a new DuckDB file, while
   * the store goes on taking writes; every event acknowledged before the call is in it.
   *
   * @throws UnsupportedOperationException for a store that its own tools back up (PostgreSQL:
   *     {@code pg_dump})
   */
  default void backup(Path file) {
    throw new UnsupportedOperationException(
        "this store is backed up with its own tools (PostgreSQL: pg_dump; see the README)");
  }

  /** The audit log (erasures), newest first. */
  Table auditLog(int limit);

  /** Deletes events that happened before the cutoff; answers how many. */
  long deleteOlderThan(Instant cutoff);

  /**
   * Deletes the rollups of days before the cutoff's day (they outlive raw events: see {@code
   * retention.rollup_days}); answers how many rows.
   */
  long deleteRollupsOlderThan(Instant cutoff);

  /**
   * Rolls up one more step of raw events stored before rollups were kept (after an upgrade) or
   * before {@link #rebuildRollups}; one transaction, beside the live writes.
   *
   * @return what the step did, or null when every product's rollups are complete
   */
  BackfillProgress backfillRollups();

  /**
   * Runs {@link #backfillRollups} until every product's rollups are complete or {@code stopped}
   * says so, handing each step to {@code progress}.
   */
  default void completeRollups(Consumer<BackfillProgress> progress, BooleanSupplier stopped) {
    while (!stopped.getAsBoolean()) {
      BackfillProgress p = backfillRollups();
      if (p == null) {
        return;
      }
      progress.accept(p);
    }
  }

  /**
   * Deletes a product's rollups and has {@link #backfillRollups} make them again from its raw
   * events (events older than raw retention are gone, and so is what they added).
   */
  void rebuildRollups(String product);

  /** The dashboard's queries over this store. */
  FleetQueries fleet();

  /** Whether the store accepts writes now, for {@code /readyz}. */
  boolean writable();

  @Override
  void close();
}
