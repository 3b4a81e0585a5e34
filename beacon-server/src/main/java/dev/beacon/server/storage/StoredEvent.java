package dev.beacon.server.storage;

import java.time.Instant;

/**
 * The one event model every ingest format is mapped onto (DESIGN §3). {@code timestamp} is when the
 * event happened (the client's clock, unless it was missing or implausible); {@code receivedAt} is
 * when this server accepted it. Properties and context are JSON text.
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
    String context) {}
