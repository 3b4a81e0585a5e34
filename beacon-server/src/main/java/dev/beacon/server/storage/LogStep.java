package dev.beacon.server.storage;

/** One step of what a Kafka sink stores from a poll, in the log's order. */
public sealed interface LogStep {
  /** Events, refused events, releases. */
  record Store(Write write) implements LogStep {}

  /** An installation's erasure (after its earlier records, before its later ones). */
  record Erase(String product, String installation, String actor) implements LogStep {}
}
