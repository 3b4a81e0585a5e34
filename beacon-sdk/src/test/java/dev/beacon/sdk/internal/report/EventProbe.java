package dev.beacon.sdk.internal.report;

/** What the SDK's tests may see of a captured event, without widening its own API. */
public final class EventProbe {
  private EventProbe() {}

  /** The time the event was captured at, which the queue's tests use as its sequence number. */
  public static String name(Event e) {
    return e.name;
  }

  public static Object[] keyValues(Event e) {
    return e.keyValues;
  }

  public static long epochMillis(Event e) {
    return e.epochMillis;
  }
}
