package dev.beacon.server.ingest;

import dev.beacon.server.Refusal;
import dev.beacon.server.storage.Write;
import dev.beacon.server.storage.Written;
import java.util.concurrent.CompletableFuture;

/**
 * Where an ingest request's accepted events go before it is answered: the store, through the
 * group-commit writer ({@link GroupCommitWriter}), or Kafka on an ingest node ({@code
 * dev.beacon.server.kafka.KafkaWriter}). The future completes once the write is durable; a request
 * is answered 2xx only then.
 */
public interface Committer extends AutoCloseable {
  /**
   * Hands over one request's write.
   *
   * @return completes when it is durable, with per event whether it was stored now (a Kafka writer
   *     cannot tell duplicates yet: the sinks remove them) and the quarantine ids (0 where not
   *     known yet)
   * @throws Refusal OVERLOADED when it cannot take the write now
   */
  CompletableFuture<Written> submit(Write write);

  /**
   * Tells what follows the store that an installation was erased there: a Kafka writer sends a
   * tombstone, so that the installation's records still on their way are erased when the sinks
   * store them. Waits until that is durable.
   */
  default void erased(String product, String installation, String actor) {}

  /** Whether it can take writes ({@code /readyz}); null when it can, else why not. */
  String problem();

  @Override
  void close();
}
