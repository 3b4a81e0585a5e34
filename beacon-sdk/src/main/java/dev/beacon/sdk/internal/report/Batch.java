package dev.beacon.sdk.internal.report;

/**
 * One request's body, the JSON of a batch, how many messages it holds, and how many dropped events
 * it tells the server of ({@code context.droppedEvents}). Immutable.
 */
public final class Batch {
  public final String json;
  public final int messages;
  public final long droppedEvents;

  Batch(String json, int messages, long droppedEvents) {
    this.json = json;
    this.messages = messages;
    this.droppedEvents = droppedEvents;
  }
}
