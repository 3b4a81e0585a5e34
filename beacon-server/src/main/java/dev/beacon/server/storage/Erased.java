package dev.beacon.server.storage;

/**
 * What erasing one installation deleted.
 *
 * @param events its raw events
 * @param quarantined quarantined bodies that named it
 * @param rollupRows rollup rows deleted or changed (its own rows, and sums it had added to)
 */
public record Erased(long events, long quarantined, long rollupRows) {}
