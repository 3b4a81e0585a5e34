package dev.beacon.server.storage;

/** An event to keep in quarantine: why it was refused, and the event itself. */
public record Rejection(String reason, String raw) {}
