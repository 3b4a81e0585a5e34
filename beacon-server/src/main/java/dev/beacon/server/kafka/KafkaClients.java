package dev.beacon.server.kafka;

import dev.beacon.server.config.ServerConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What Beacon's Kafka clients share: the servers, the settings passed through, the topic. */
final class KafkaClients {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaClients.class);

  private KafkaClients() {}

  /** The bootstrap servers and {@code kafka.client.*} (TLS, SASL, ...), for any client. */
  static Map<String, Object> common(ServerConfig.Kafka k) {
    Map<String, Object> p = new HashMap<>(k.client());
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, k.bootstrapServers());
    return p;
  }

  /**
   * Creates the topic if it is absent, with the configured partitions and replication: now, or if
   * the broker cannot be reached yet, on a thread of its own that tries every 5 s until it can.
   */
  static void ensureTopic(ServerConfig.Kafka k, ThreadFactory threads) {
    if (createTopic(k)) {
      return;
    }
    threads
        .newThread(
            () -> {
              while (!createTopic(k)) {
                try {
                  Thread.sleep(5000);
                } catch (InterruptedException e) {
                  return;
                }
              }
            })
        .start();
  }

  /** Whether the topic exists now (made here or before). */
  static boolean createTopic(ServerConfig.Kafka k) {
    Map<String, Object> p = common(k);
    p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 5000);
    p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    try (Admin admin = Admin.create(p)) {
      admin
          .createTopics(List.of(new NewTopic(k.topic(), k.partitions(), k.replicationFactor())))
          .all()
          .get(10, TimeUnit.SECONDS);
      LOG.info(
          "kafka: created topic {} ({} partitions, replication {})",
          k.topic(),
          k.partitions(),
          k.replicationFactor());
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return true;
      }
      LOG.warn(
          "kafka: cannot create topic {} yet ({})",
          k.topic(),
          e.getCause().getClass().getSimpleName());
      return false;
    } catch (TimeoutException | RuntimeException e) {
      LOG.warn("kafka: cannot reach the brokers yet ({})", e.getClass().getSimpleName());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
