package dev.beacon.server.ingest;

import dev.beacon.server.ingest.IngestException.Problem;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.StoredEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Group commit: request threads hand their events over and wait; one writer thread takes everything
 * waiting, appends it in one transaction and then releases every waiter. Under load a commit
 * carries many requests, so durability costs one commit per group, not per request; when idle a
 * request waits for its own commit only. The queue is bounded in events and in bytes (the events'
 * JSON text, which is what memory holds): past either bound a request is refused (503 with
 * Retry-After) instead of growing memory. A request whose waiter timed out stays queued and is
 * committed: its client retries, and the dedup window stores it once.
 */
public final class GroupCommitWriter implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(GroupCommitWriter.class);

  private record Pending(List<StoredEvent> events, long bytes, CompletableFuture<boolean[]> done) {}

  private final EventStore store;
  private final int maxQueuedEvents;
  private final long maxQueuedBytes;
  private final int maxGroupEvents;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger queuedEvents = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong queuedBytes =
      new java.util.concurrent.atomic.AtomicLong();
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
    this.thread = new Thread(this::run, "beacon-writer");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /**
   * Queues events for the next group commit.
   *
   * @return completes with, per event, whether it was stored now (false: a duplicate)
   * @throws IngestException OVERLOADED when the queue is full
   */
  public CompletableFuture<boolean[]> submit(List<StoredEvent> events) {
    CompletableFuture<boolean[]> done = new CompletableFuture<>();
    if (events.isEmpty()) {
      done.complete(new boolean[0]);
      return done;
    }
    if (closed) {
      throw new IngestException(
          Problem.OVERLOADED, "shutting_down", "the server is shutting down", 5);
    }
    if (!thread.isAlive()) {
      // Waiting for a commit that nobody will make would cost every request the ack timeout.
      throw stopped();
    }
    long bytes = 0;
    for (StoredEvent e : events) {
      bytes += sizeOf(e);
    }
    int after = queuedEvents.addAndGet(events.size());
    long afterBytes = queuedBytes.addAndGet(bytes);
    if (after > maxQueuedEvents || afterBytes > maxQueuedBytes) {
      queuedEvents.addAndGet(-events.size());
      queuedBytes.addAndGet(-bytes);
      throw new IngestException(
          Problem.OVERLOADED,
          "writer_full",
          "the server is busy writing; "
              + (after > maxQueuedEvents
                  ? maxQueuedEvents + " events are"
                  : maxQueuedBytes + " bytes of events are")
              + " already waiting",
          1);
    }
    Pending pending = new Pending(events, bytes, done);
    queue.add(pending);
    if (!thread.isAlive() && queue.remove(pending)) { // it died between the check and the add
      queuedEvents.addAndGet(-events.size());
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
  public boolean alive() {
    return !closed && thread.isAlive();
  }

  private static IngestException stopped() {
    return new IngestException(
        Problem.OVERLOADED,
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
          queuedEvents.addAndGet(-p.events().size());
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
        int events = first.events().size();
        Pending next;
        while (events < maxGroupEvents && (next = queue.peek()) != null) {
          if (events + next.events().size() > maxGroupEvents && events > 0) {
            break;
          }
          group.add(queue.poll());
          events += next.events().size();
        }
        commit(group, events);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // One request's events must not fail its neighbours: alone, each gets its own outcome.
        LOG.warn(
            "group commit of {} requests failed ({}); committing them one by one",
            group.size(),
            dev.beacon.server.storage.StorageException.describe(e));
        for (Pending p : group) {
          try {
            p.done().complete(store.append(p.events()));
          } catch (RuntimeException alone) {
            p.done().completeExceptionally(alone);
          }
        }
      } catch (Error e) {
        for (Pending p : group) {
          p.done().completeExceptionally(e);
        }
        throw e;
      } finally {
        for (Pending p : group) {
          queuedEvents.addAndGet(-p.events().size());
          queuedBytes.addAndGet(-p.bytes());
        }
        group.clear();
      }
    }
  }

  private void commit(List<Pending> group, int events) {
    List<StoredEvent> all = new ArrayList<>(events);
    for (Pending p : group) {
      all.addAll(p.events());
    }
    long start = System.nanoTime();
    boolean[] stored = store.append(all);
    commitTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    int offset = 0;
    for (Pending p : group) {
      boolean[] mine = new boolean[p.events().size()];
      System.arraycopy(stored, offset, mine, 0, mine.length);
      offset += mine.length;
      p.done().complete(mine);
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
