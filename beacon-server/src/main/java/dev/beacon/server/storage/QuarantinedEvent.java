package dev.beacon.server.storage;

import java.time.Instant;

/** An authenticated event that failed validation, kept with its reason so it can be replayed. */
public record QuarantinedEvent(
    long id, String product, Instant receivedAt, String reason, String raw) {}
