package dev.beacon.server.config;

import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Which Kafka client settings {@code kafka.client.*} may pass through: those Kafka's producer,
 * consumer or admin client knows, but not those Beacon sets itself for its guarantees.
 */
final class KafkaClientKeys {
  private static final Set<String> KNOWN = new HashSet<>();

  static {
    KNOWN.addAll(ProducerConfig.configNames());
    KNOWN.addAll(ConsumerConfig.configNames());
    KNOWN.addAll(AdminClientConfig.configNames());
  }

  /** Set by Beacon: acknowledged means written, stored means once. */
  private static final Set<String> BEACONS =
      Set.of(
          "bootstrap.servers",
          "acks",
          "enable.idempotence",
          "transactional.id",
          "key.serializer",
          "value.serializer",
          "key.deserializer",
          "value.deserializer",
          "group.id",
          "enable.auto.commit",
          "auto.offset.reset",
          "isolation.level",
          "max.poll.records",
          "buffer.memory",
          "max.block.ms",
          "delivery.timeout.ms");

  private KafkaClientKeys() {}

  /** Why {@code key} may not be passed through, or null when it may. */
  static String problem(String key) {
    if (BEACONS.contains(key)) {
      return key + " is set by Beacon (see kafka.* for the ones you choose)";
    }
    if (!KNOWN.contains(key)) {
      return "Kafka's clients have no setting " + key;
    }
    return null;
  }
}
