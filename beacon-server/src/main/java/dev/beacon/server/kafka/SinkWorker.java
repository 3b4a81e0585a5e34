package dev.beacon.server.kafka;

import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.storage.LogStep;
import dev.beacon.server.storage.PostgresStore;
import dev.beacon.server.storage.Rejection;
import dev.beacon.server.storage.StorageException;
import dev.beacon.server.storage.StoredEvent;
import dev.beacon.server.storage.Write;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sink: one member of the consumer group that stores the topic's records in PostgreSQL. Each poll
 * is stored in one transaction together with the partitions' offsets ({@link
 * PostgresStore#storeFromLog}); duplicates (a client's retry, a redelivery) are removed there by
 * {@code (product, message_id)}. On assignment it seeks to the offsets stored; Kafka's own commits
 * only show the lag to Kafka's tools. A record it cannot store (unreadable, or refused by the
 * database on its own) goes to the quarantine with the reason, and its partition moves on; when the
 * database is out of reach, nothing is skipped: it waits and reads the batch again.
 */
public final class SinkWorker implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SinkWorker.class);
  private static final int MAX_RAW = 4096;

  private final ServerConfig.Kafka config;
  private final PostgresStore store;
  private final KafkaConsumer<byte[], byte[]> consumer;

  /** Per partition assigned: the offset stored in the database (null: none yet). */
  private final Map<TopicPartition, Long> stored = new ConcurrentHashMap<>();

  private final AtomicLong lag = new AtomicLong();
  private final Counter records;
  private final Counter quarantined;
  private final Timer batches;
  private volatile boolean running = true;
  private volatile long lastPoll = System.nanoTime();
  private long lastUnreachableLog = System.nanoTime() - Duration.ofMinutes(1).toNanos();

  public SinkWorker(ServerConfig.Kafka config, PostgresStore store, MeterRegistry metrics) {
    this.config = config;
    this.store = store;
    Map<String, Object> p = KafkaClients.common(config);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.sinkGroup());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.sinkMaxPollRecords());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // Fewer, larger transactions: a poll waits up to 100 ms for 512 KiB rather than returning the
    // first records (a commit's cost is nearly the same for 100 records as for 5,000).
    p.putIfAbsent(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 512 * 1024);
    p.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    p.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
    this.consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    metrics.gauge("beacon_sink_lag_records", lag);
    this.records = metrics.counter("beacon_sink_records_total");
    this.quarantined = metrics.counter("beacon_sink_quarantined_total");
    this.batches =
        Timer.builder("beacon_sink_batch_seconds")
            .description("Time to store one poll's records and offsets")
            .publishPercentiles(0.5, 0.99)
            .register(metrics);
  }

  /** Records of the assigned partitions not stored yet (refreshed after each poll). */
  public long lag() {
    return lag.get();
  }

  /** Null while it works, else why not ({@code /readyz}). */
  public String problem() {
    if (!running) {
      return "sink stopped";
    }
    if (System.nanoTime() - lastPoll > Duration.ofMinutes(1).toNanos()) {
      return "sink has not polled for a minute";
    }
    if (lag.get() >= config.sinkReadyLag()) {
      return "sink lag " + lag.get() + " records";
    }
    return null;
  }

  @Override
  public void run() {
    KafkaClients.ensureTopic(config, Thread.ofVirtual().name("beacon-kafka-topic").factory());
    try {
      consumer.subscribe(
          List.of(config.topic()),
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
              partitions.forEach(stored::remove);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
              seekToStored(partitions);
            }
          });
      while (running) {
        try {
          ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(500));
          lastPoll = System.nanoTime();
          if (!polled.isEmpty()) {
            Timer.Sample t = Timer.start();
            store(polled);
            t.stop(batches);
          }
          updateLag();
        } catch (StorageException e) {
          // PostgreSQL out of reach where it was not expected: nothing was stored, so nothing
          // is skipped; read again in a second.
          unreachable(e);
        } catch (KafkaException e) {
          // The same from the rebalance listener (reading the offsets at an assignment), which
          // the consumer hands back wrapped.
          if (e instanceof WakeupException || !(e.getCause() instanceof StorageException se)) {
            throw e;
          }
          unreachable(se);
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      running = false;
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  /** Seeks the partitions to the offsets stored in the database, or to their beginning. */
  private void seekToStored(Collection<TopicPartition> partitions) {
    Map<Integer, Long> offsets = store.logOffsets(config.sinkGroup(), config.topic());
    List<TopicPartition> fromStart = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      Long next = offsets.get(tp.partition());
      if (next == null) {
        stored.remove(tp);
        fromStart.add(tp);
      } else {
        stored.put(tp, next);
        consumer.seek(tp, next);
      }
    }
    if (!fromStart.isEmpty()) {
      consumer.seekToBeginning(fromStart);
    }
  }

  /** One poll: stored whole, or (a record the database refuses) one record at a time. */
  private void store(ConsumerRecords<byte[], byte[]> polled) {
    Map<Integer, Long> expected = new HashMap<>();
    Map<Integer, Long> next = new HashMap<>();
    List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
    for (TopicPartition tp : polled.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> rs = polled.records(tp);
      if (stored.containsKey(tp)) {
        expected.put(tp.partition(), stored.get(tp));
      }
      next.put(tp.partition(), rs.get(rs.size() - 1).offset() + 1);
      all.addAll(rs);
    }
    try {
      if (!store.storeFromLog(steps(all), config.sinkGroup(), config.topic(), expected, next)) {
        stale();
        return;
      }
      advanced(next, all.size());
    } catch (StorageException e) {
      if (!store.writable()) {
        unreachable(e);
        return;
      }
      LOG.warn(
          "sink: a batch was refused ({}); storing its records one at a time",
          e.getClass().getSimpleName());
      for (ConsumerRecord<byte[], byte[]> r : all) {
        if (!storeOne(r)) {
          return;
        }
      }
    }
    commitToKafka(next);
  }

  /** A record alone, or in quarantine if the database refuses it; false: stop this poll. */
  private boolean storeOne(ConsumerRecord<byte[], byte[]> r) {
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    Map<Integer, Long> expected = new HashMap<>();
    if (stored.containsKey(tp)) {
      expected.put(r.partition(), stored.get(tp));
    }
    Map<Integer, Long> next = Map.of(r.partition(), r.offset() + 1);
    try {
      if (!store.storeFromLog(
          steps(List.of(r)), config.sinkGroup(), config.topic(), expected, next)) {
        stale();
        return false;
      }
    } catch (StorageException e) {
      if (!store.writable()) {
        unreachable(e);
        return false;
      }
      LOG.warn(
          "sink: quarantined the record at {}-{}@{}: the database refused it ({})",
          r.topic(),
          r.partition(),
          r.offset(),
          e.getClass().getSimpleName());
      List<LogStep> poison =
          List.of(
              new LogStep.Store(
                  new Write(
                      List.of(),
                      List.of(quarantine(r, "the sink could not store it: " + reason(e))),
                      List.of())));
      if (!store.storeFromLog(poison, config.sinkGroup(), config.topic(), expected, next)) {
        stale();
        return false;
      }
      quarantined.increment();
    }
    advanced(next, 1);
    return true;
  }

  /** The records as steps in log order: stores batched, erasures in their place. */
  private List<LogStep> steps(List<ConsumerRecord<byte[], byte[]>> rs) {
    List<LogStep> steps = new ArrayList<>();
    List<StoredEvent> events = new ArrayList<>();
    List<Write.Kept> kept = new ArrayList<>();
    List<Write.Released> released = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : rs) {
      LogRecord read;
      try {
        read = LogRecord.read(r.value());
      } catch (IllegalArgumentException e) {
        quarantined.increment();
        kept.add(quarantine(r, "the sink could not read it: " + e.getMessage()));
        continue;
      }
      switch (read) {
        case LogRecord.Event(StoredEvent e) -> events.add(e);
        case LogRecord.Kept(String product, Instant at, Rejection rejection) ->
            kept.add(new Write.Kept(product, at, List.of(rejection)));
        case LogRecord.Released(String product, long id) ->
            released.add(new Write.Released(product, id));
        case LogRecord.Erase(String product, String installation, String actor) -> {
          flush(steps, events, kept, released);
          steps.add(new LogStep.Erase(product, installation, actor));
        }
      }
    }
    flush(steps, events, kept, released);
    return steps;
  }

  private static void flush(
      List<LogStep> steps,
      List<StoredEvent> events,
      List<Write.Kept> kept,
      List<Write.Released> released) {
    if (!events.isEmpty() || !kept.isEmpty() || !released.isEmpty()) {
      steps.add(new LogStep.Store(new Write(events, kept, released)));
      events.clear();
      kept.clear();
      released.clear();
    }
  }

  /** A record kept in the quarantine of the product its key names, with why. */
  private static Write.Kept quarantine(ConsumerRecord<byte[], byte[]> r, String reason) {
    String raw = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
    if (raw.length() > MAX_RAW) {
      raw = raw.substring(0, MAX_RAW);
    }
    String where = " (" + r.topic() + "-" + r.partition() + "@" + r.offset() + ")";
    return new Write.Kept(
        LogRecord.productOf(r.key()),
        Instant.ofEpochMilli(Math.max(0, r.timestamp())),
        List.of(new Rejection(reason + where, raw)));
  }

  private static String reason(StorageException e) {
    Throwable c = e.getCause() == null ? e : e.getCause();
    return c.getClass().getSimpleName();
  }

  private void advanced(Map<Integer, Long> next, int n) {
    next.forEach((p, o) -> stored.put(new TopicPartition(config.topic(), p), o));
    records.increment(n);
  }

  /** Another sink stored past us (a rebalance): read again from what is stored. */
  private void stale() {
    LOG.info("sink: another sink stored these records; reading on from the stored offsets");
    seekToStored(consumer.assignment());
  }

  /**
   * The database is out of reach: nothing skipped, the batch is read again after a pause, from the
   * offsets this sink stored last (known here: the database cannot be asked).
   */
  private void unreachable(StorageException e) {
    long now = System.nanoTime();
    if (now - lastUnreachableLog > Duration.ofSeconds(30).toNanos()) { // once in 30 s at most
      lastUnreachableLog = now;
      LOG.warn("sink: PostgreSQL is out of reach ({}); retrying every second", reason(e));
    }
    List<TopicPartition> fromStart = new ArrayList<>();
    for (TopicPartition tp : consumer.assignment()) {
      Long next = stored.get(tp);
      if (next == null) {
        fromStart.add(tp);
      } else {
        consumer.seek(tp, next);
      }
    }
    if (!fromStart.isEmpty()) {
      consumer.seekToBeginning(fromStart);
    }
    try {
      Thread.sleep(1000);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  /** Kafka's own offsets follow the database's, for Kafka's tools (lag by group). */
  private void commitToKafka(Map<Integer, Long> next) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    next.forEach(
        (p, o) -> offsets.put(new TopicPartition(config.topic(), p), new OffsetAndMetadata(o)));
    consumer.commitAsync(offsets, null);
  }

  private void updateLag() {
    var assigned = consumer.assignment();
    if (assigned.isEmpty()) {
      lag.set(0);
      return;
    }
    try {
      Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, Duration.ofSeconds(2));
      long total = 0;
      for (TopicPartition tp : assigned) {
        long end = ends.getOrDefault(tp, 0L);
        total += Math.max(0, end - consumer.position(tp, Duration.ofSeconds(2)));
      }
      lag.set(total);
    } catch (RuntimeException e) {
      // the broker out of reach: the lag shown is the last known
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
  }
}
