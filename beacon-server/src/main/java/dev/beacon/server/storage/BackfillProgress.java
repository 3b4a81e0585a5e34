package dev.beacon.server.storage;

import java.time.Instant;

/**
 * One step of making rollups from raw events already stored ({@link EventStore#backfillRollups}).
 *
 * @param product the product the step was for
 * @param upTo the product's events that happened before this are rolled up
 * @param events the events this step rolled up
 * @param done whether the product's backfill is finished
 */
public record BackfillProgress(String product, Instant upTo, long events, boolean done) {}
