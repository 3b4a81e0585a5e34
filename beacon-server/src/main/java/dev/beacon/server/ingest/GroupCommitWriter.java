package dev.beacon.server.ingest;

import dev.beacon.server.Background;
import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.Rejection;
import dev.beacon.server.storage.StorageException;
import dev.beacon.server.storage.StoredEvent;
import dev.beacon.server.storage.Write;
import dev.beacon.server.storage.Written;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: request threads hand their events over and wait; one writer thread takes everything
 * waiting, appends it in one transaction and then releases every waiter. Under load a commit
 * carries many requests, so durability costs one commit per group, not per request; when idle a
 * request waits for its own commit only. The queue is bounded in events and in bytes (the events'
 * JSON text, which is what memory holds): past either bound a request is refused (503 with
 * Retry-After) instead of growing memory. A request whose waiter timed out stays queued and is
 * committed: its client retries, and the dedup window stores it once.
 */
public final class GroupCommitWriter implements Committer {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);

  private record Pending(Write write, long bytes, CompletableFuture<Written> done) {
    int items() {
      return write.items();
    }
  }

  private final EventStore store;
  private final int maxQueuedEvents;
  private final long maxQueuedBytes;
  private final int maxGroupEvents;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger queuedEvents = new AtomicInteger();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final Thread thread;
  private final Timer commitTimer;
  private volatile boolean closed;

  public GroupCommitWriter(
      EventStore store,
      int maxQueuedEvents,
      long maxQueuedBytes,
      int maxGroupEvents,
      MeterRegistry metrics) {
    this.store = store;
    this.maxQueuedEvents = maxQueuedEvents;
    this.maxQueuedBytes = maxQueuedBytes;
    this.maxGroupEvents = maxGroupEvents;
    this.commitTimer =
        Timer.builder("beacon_commit_seconds")
            .description("Time to append and commit one group of events")
            .publishPercentiles(0.5, 0.99)
            .register(metrics);
    metrics.gauge("beacon_writer_queued_events", queuedEvents);
    metrics.gauge("beacon_writer_queued_bytes", queuedBytes);
    this.thread = Background.threads("beacon-writer").newThread(this::run);
    this.thread.start();
  }

  /**
   * Queues events for the next group commit.
   *
   * @return completes with, per event, whether it was stored now (false: a duplicate)
   * @throws Refusal OVERLOADED when the queue is full
   */
  public CompletableFuture<boolean[]> submit(List<StoredEvent> events) {
    return submit(Write.events(events)).thenApply(Written::stored);
  }

  /**
   * Queues one request's write (its events, its refused events for the quarantine, a replay's
   * release) for the next group commit, which commits it whole with the other requests' writes.
   *
   * @throws Refusal OVERLOADED when the queue is full
   */
  @Override
  public CompletableFuture<Written> submit(Write write) {
    CompletableFuture<Written> done = new CompletableFuture<>();
    if (write.isEmpty()) {
      done.complete(new Written(new boolean[0], List.of()));
      return done;
    }
    if (closed) {
      throw new Refusal(Kind.OVERLOADED, "shutting_down", "the server is shutting down", 5);
    }
    if (!thread.isAlive()) {
      // Waiting for a commit that nobody will make would cost every request the ack timeout.
      throw stopped();
    }
    long bytes = sizeOf(write);
    int items = write.items();
    int after = queuedEvents.addAndGet(items);
    long afterBytes = queuedBytes.addAndGet(bytes);
    if (after > maxQueuedEvents || afterBytes > maxQueuedBytes) {
      queuedEvents.addAndGet(-items);
      queuedBytes.addAndGet(-bytes);
      throw new Refusal(
          Kind.OVERLOADED,
          "writer_full",
          "the server is busy writing; "
              + (after > maxQueuedEvents
                  ? maxQueuedEvents + " events are"
                  : maxQueuedBytes + " bytes of events are")
              + " already waiting",
          1);
    }
    // What needs no lock is done here, on the request's thread, while the writer commits.
    Pending pending = new Pending(store.prepare(write), bytes, done);
    queue.add(pending);
    if (!thread.isAlive() && queue.remove(pending)) { // it died between the check and the add
      queuedEvents.addAndGet(-items);
      queuedBytes.addAndGet(-bytes);
      throw stopped();
    }
    return done;
  }

  public int queuedEvents() {
    return queuedEvents.get();
  }

  long queuedBytes() {
    return queuedBytes.get();
  }

  /** About what a write holds in memory: its texts, two bytes a char at most, and the records. */
  static long sizeOf(Write w) {
    long bytes = 0;
    for (StoredEvent e : w.events()) {
      bytes += sizeOf(e);
    }
    for (Write.Kept k : w.kept()) {
      for (Rejection r : k.rejections()) {
        bytes += 2L * (r.reason().length() + r.raw().length()) + 256;
      }
    }
    return bytes + 64L * w.released().size();
  }

  /** About what an event holds in memory: its texts, two bytes a char at most, and the record. */
  static long sizeOf(StoredEvent e) {
    long chars = 0;
    for (String s :
        new String[] {e.properties(), e.context(), e.messageId(), e.installationId(), e.event()}) {
      chars += s == null ? 0 : s.length();
    }
    return 2 * chars + 256;
  }

  /**
   * Whether the writer thread still runs. It ends on close, and otherwise only on an {@link Error}
   * (such as an OutOfMemoryError) or an interrupt; then nothing is committed any more, and the
   * readiness check must say so.
   */
  @Override
  public String problem() {
    return alive() ? null : "writer stopped";
  }

  public boolean alive() {
    return !closed && thread.isAlive();
  }

  private static Refusal stopped() {
    return new Refusal(
        Kind.OVERLOADED,
        "writer_stopped",
        "the server's writer has stopped (see its log); it needs a restart",
        30);
  }

  private void run() {
    try {
      commitUntilClosed();
    } finally {
      if (!closed) {
        LOG.error(
            "the group-commit writer stopped; ingest answers 503 and /readyz fails until restart");
        // Requests queued after the last group would otherwise wait for their ack timeout.
        Pending p;
        while ((p = queue.poll()) != null) {
          queuedEvents.addAndGet(-p.items());
          queuedBytes.addAndGet(-p.bytes());
          p.done().completeExceptionally(stopped());
        }
      }
    }
  }

  private void commitUntilClosed() {
    List<Pending> group = new ArrayList<>();
    while (!closed || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        int items = first.items();
        Pending next;
        while (items < maxGroupEvents && (next = queue.peek()) != null) {
          if (items + next.items() > maxGroupEvents && items > 0) {
            break;
          }
          group.add(queue.poll());
          items += next.items();
        }
        commit(group);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Throwable e) {
        if (Background.fatal(e)) {
          for (Pending p : group) {
            p.done().completeExceptionally(e);
          }
          throw e;
        }
        // One request's events must not fail its neighbours: alone, each gets its own outcome.
        LOG.warn(
            "group commit of {} requests failed ({}); committing them one by one",
            group.size(),
            StorageException.describe(e));
        for (Pending p : group) {
          if (p.done().isDone()) {
            continue; // answered before the failure: committed with the group
          }
          try {
            p.done().complete(store.write(p.write()));
          } catch (Throwable alone) {
            p.done().completeExceptionally(alone);
            Background.rethrowIfFatal(alone);
          }
        }
      } finally {
        for (Pending p : group) {
          queuedEvents.addAndGet(-p.items());
          queuedBytes.addAndGet(-p.bytes());
        }
        group.clear();
      }
    }
  }

  /** One transaction for the whole group; each request then gets its own part of the result. */
  private void commit(List<Pending> group) {
    List<Write> writes = new ArrayList<>(group.size());
    for (Pending p : group) {
      writes.add(p.write());
    }
    long start = System.nanoTime();
    Written all = store.write(Write.group(writes));
    commitTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    // Every answer made before any is given: a failure here leaves no request half answered.
    List<Written> answers = new ArrayList<>(group.size());
    int eventOffset = 0;
    int keptOffset = 0;
    for (Pending p : group) {
      boolean[] mine = new boolean[p.write().events().size()];
      System.arraycopy(all.stored(), eventOffset, mine, 0, mine.length);
      eventOffset += mine.length;
      int k = p.write().kept().size();
      answers.add(new Written(mine, all.keptIds().subList(keptOffset, keptOffset + k)));
      keptOffset += k;
    }
    for (int i = 0; i < group.size(); i++) {
      group.get(i).done().complete(answers.get(i));
    }
  }

  /** Commits what is queued, then stops. */
  @Override
  public void close() {
    closed = true;
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
