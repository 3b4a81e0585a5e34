package dev.beacon.server.kafka;

import dev.beacon.server.Background;
import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.ingest.Committer;
import dev.beacon.server.storage.Rejection;
import dev.beacon.server.storage.StoredEvent;
import dev.beacon.server.storage.Write;
import dev.beacon.server.storage.Written;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ingest node's {@link Committer}: each accepted event, refused event and release becomes a
 * record of the topic, produced with {@code acks=all} by the idempotent producer; the write is
 * durable once the broker has acknowledged every record of it. The producer holds at most {@code
 * kafka.buffer_bytes} unacknowledged: past it, or with the broker out of reach (no metadata within
 * {@link #MAX_BLOCK}), the request is refused with 503 and {@code Retry-After} rather than memory
 * grown. Nothing is written to PostgreSQL here; the sinks store it, and remove duplicates.
 */
public final class KafkaWriter implements Committer {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaWriter.class);
  static final Duration MAX_BLOCK = Duration.ofSeconds(2);

  /** A failure logged this long after the previous one, at most. */
  static final Duration QUIET = Duration.ofSeconds(30);

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final Duration ackTimeout;
  private final AtomicLong lastFailure = new AtomicLong();
  private final AtomicLong lastSuccess = new AtomicLong();
  private volatile boolean closed;

  public KafkaWriter(ServerConfig config, MeterRegistry metrics) {
    ServerConfig.Kafka k = config.kafka();
    this.topic = k.topic();
    this.ackTimeout = config.writer().ackTimeout();
    long ack = config.writer().ackTimeout().toMillis();
    Map<String, Object> p = KafkaClients.common(k);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, k.bufferBytes());
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK.toMillis());
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 2);
    p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // A record not acknowledged within the ack timeout is failed (its request was answered 503).
    p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1000, ack / 2));
    p.put(
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
        (int) Math.max(ack, (Integer) p.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG) + 100L));
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    metrics.gauge("beacon_kafka_last_failure_epoch_ms", lastFailure);
    KafkaClients.ensureTopic(k, Background.threads("beacon-kafka-topic"));
  }

  @Override
  public CompletableFuture<Written> submit(Write write) {
    if (closed) {
      throw new Refusal(Kind.OVERLOADED, "shutting_down", "the server is shutting down", 5);
    }
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(write.items());
    for (StoredEvent e : write.events()) {
      records.add(record(e.product(), e.installationId(), new LogRecord.Event(e)));
    }
    List<long[]> keptIds = new ArrayList<>();
    for (Write.Kept kept : write.kept()) {
      for (Rejection r : kept.rejections()) {
        records.add(
            record(kept.product(), null, new LogRecord.Kept(kept.product(), kept.receivedAt(), r)));
      }
      keptIds.add(new long[kept.rejections().size()]); // the sink assigns them
    }
    // A replay's release goes with its event's key: one partition, in order after the event.
    String with = write.events().size() == 1 ? write.events().get(0).installationId() : null;
    for (Write.Released r : write.released()) {
      records.add(record(r.product(), with, new LogRecord.Released(r.product(), r.id())));
    }
    List<CompletableFuture<Void>> acks = new ArrayList<>(records.size());
    for (ProducerRecord<byte[], byte[]> r : records) {
      acks.add(send(r));
    }
    boolean[] stored = new boolean[write.events().size()];
    Arrays.fill(stored, true); // the sinks remove duplicates
    // Given up a little before the request's ack timeout, and marked here, so that /readyz says
    // so by the time the request is answered 503.
    return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
        .orTimeout(Math.max(100, ackTimeout.toMillis() - 200), TimeUnit.MILLISECONDS)
        .whenComplete(
            (v, error) -> {
              if (error != null) {
                lastFailure.set(System.currentTimeMillis());
              }
            })
        .thenApply(v -> new Written(stored, keptIds));
  }

  /** An erasure's tombstone, after the installation's records in its partition. */
  @Override
  public void erased(String product, String installation, String actor) {
    try {
      send(record(product, installation, new LogRecord.Erase(product, installation, actor)))
          .get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new Refusal(
          Kind.OVERLOADED,
          "kafka_unavailable",
          "erased from the store, but the event log (Kafka) did not take the erasure of what is"
              + " still on its way; retry",
          5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Refusal(Kind.OVERLOADED, "interrupted", "interrupted; retry", 1);
    }
  }

  private ProducerRecord<byte[], byte[]> record(String product, String installation, LogRecord r) {
    return new ProducerRecord<>(topic, LogRecord.key(product, installation), LogRecord.value(r));
  }

  private CompletableFuture<Void> send(ProducerRecord<byte[], byte[]> r) {
    CompletableFuture<Void> acked = new CompletableFuture<>();
    try {
      // The callback completes the future that matters; send's own says the same.
      var unused =
          producer.send(
              r,
              (metadata, error) -> {
                if (error == null) {
                  lastSuccess.set(System.currentTimeMillis());
                  acked.complete(null);
                } else {
                  lastFailure.set(System.currentTimeMillis());
                  acked.completeExceptionally(error);
                }
              });
    } catch (KafkaException e) {
      // The broker out of reach (no metadata), or the buffer full: within MAX_BLOCK.
      long now = System.currentTimeMillis();
      long previous = lastFailure.getAndSet(now);
      if (now - previous > QUIET.toMillis()) { // once an outage, not once a request
        LOG.warn("kafka: cannot produce ({})", e.getClass().getSimpleName());
      }
      throw new Refusal(
          Kind.OVERLOADED, "kafka_unavailable", "the event log (Kafka) cannot take events now", 5);
    }
    return acked;
  }

  @Override
  public String problem() {
    if (closed) {
      return "writer stopped";
    }
    long failed = lastFailure.get();
    return failed > lastSuccess.get() ? "kafka unreachable (the last produce failed)" : null;
  }

  @Override
  public void close() {
    closed = true;
    producer.close(Duration.ofSeconds(5));
  }
}
