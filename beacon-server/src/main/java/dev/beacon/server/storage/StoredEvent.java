package dev.beacon.server.storage;

import java.time.Instant;

/**
 * The one event model every ingest format is mapped onto (DESIGN §3). {@code timestamp} is when the
 * event happened (the client's clock, unless it was missing or implausible); {@code receivedAt} is
 * when this server accepted it. Properties and context are JSON text. {@code facts} are what the
 * rollups take from the properties, when ingest has read them already (null: the store reads them
 * from {@code properties}); they are not stored.
 */
public record StoredEvent(
    String product,
    String messageId,
    String type,
    String event,
    String installationId,
    String clusterId,
    Instant timestamp,
    Instant receivedAt,
    String version,
    String os,
    String arch,
    String runtime,
    String library,
    String properties,
    String context,
    RollupFacts facts) {

  /** An event whose facts the store reads from its properties. */
  public StoredEvent(
      String product,
      String messageId,
      String type,
      String event,
      String installationId,
      String clusterId,
      Instant timestamp,
      Instant receivedAt,
      String version,
      String os,
      String arch,
      String runtime,
      String library,
      String properties,
      String context) {
    this(
        product,
        messageId,
        type,
        event,
        installationId,
        clusterId,
        timestamp,
        receivedAt,
        version,
        os,
        arch,
        runtime,
        library,
        properties,
        context,
        null);
  }
}
