package dev.beacon.sdk.internal.report;

import dev.beacon.sdk.internal.config.Settings;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes what the SDK sends: a report (its properties collected from the platform and the product),
 * a tracked event, and the batches around them. The redactor and the collector are made on first
 * use, on the worker or for a preview, never by {@code build()}: a product that keeps telemetry off
 * never reads the platform. Thread-safe.
 */
public final class PayloadWriter {
  private final Settings settings;
  private final Object lock = new Object();
  private Redactor redactor; // guarded by lock
  private ReportCollector collector; // guarded by lock
  private Payloads payloads; // guarded by lock

  public PayloadWriter(Settings settings) {
    this.settings = settings;
  }

  /**
   * A report as it would be sent now.
   *
   * @param commitRates whether it starts a new rate window (false for a preview)
   * @return the message, or null when even without its product sections it is too large
   */
  public String report(UUID installationId, boolean commitRates, long epochMillis) {
    Map<String, Object> properties = collector().collect(installationId, commitRates);
    return payloads().report(installationId, properties, epochMillis);
  }

  /**
   * A tracked event's message; null when it cannot be sent (too large, or a value that broke while
   * read): the caller counts it as dropped.
   */
  public String track(UUID installationId, Event event) {
    return payloads().track(installationId, event);
  }

  /** Messages packed into batches within the request limit; the first carries the drop count. */
  public List<Batch> batches(List<String> messages, long droppedEvents, long epochMillis) {
    return payloads().batches(messages, droppedEvents, epochMillis);
  }

  /**
   * Makes the writer ready beside the host's work, so that neither an event nor an exit pays for
   * it: the redactor, the JSON writer and the time format (one throwaway message).
   */
  public void warmUp(long epochMillis) {
    track(new UUID(0, 0), Event.capture("warm-up", null, epochMillis));
  }

  /** Stops the collector's section threads, if it was made. */
  public void shutdown() {
    synchronized (lock) {
      if (collector != null) {
        collector.shutdown();
      }
    }
  }

  private Payloads payloads() {
    synchronized (lock) {
      if (payloads == null) {
        payloads = new Payloads(settings, redactor());
      }
      return payloads;
    }
  }

  private ReportCollector collector() {
    synchronized (lock) {
      if (collector == null) {
        collector =
            new ReportCollector(
                settings,
                new SystemFacts(),
                redactor(),
                new RateMeter(settings.rates, System::nanoTime));
      }
      return collector;
    }
  }

  private Redactor redactor() {
    synchronized (lock) {
      if (redactor == null) {
        redactor = Redactor.forThisMachine(settings.environment, settings.systemProperties);
      }
      return redactor;
    }
  }
}
