package dev.beacon.sdk.internal.report;

/** One request's body, the JSON of a batch, and how many messages it holds. Immutable. */
public final class Batch {
  public final String json;
  public final int messages;

  Batch(String json, int messages) {
    this.json = json;
    this.messages = messages;
  }
}
