package dev.beacon.sdk;

/** One request's body, the JSON of a batch, and how many messages it holds. Immutable. */
final class Batch {
  final String json;
  final int messages;

  Batch(String json, int messages) {
    this.json = json;
    this.messages = messages;
  }
}
