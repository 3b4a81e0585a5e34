package dev.beacon.sdk;

/**
 * The heavier pieces of a {@link Beacon}, made on first use rather than at {@code build()}: a
 * product that keeps telemetry off never reads the platform, never creates an HTTP client and never
 * starts a thread.
 */
final class Parts {
  final Settings settings;
  final QuietLog log;
  private final Object lock = new Object();
  private Redactor redactor;
  private ReportCollector collector;
  private Payloads payloads;
  private HttpExporter exporter;

  Parts(Settings settings) {
    this.settings = settings;
    this.log = new QuietLog(settings.product);
  }

  Redactor redactor() {
    synchronized (lock) {
      if (redactor == null) {
        redactor = Redactor.forThisMachine(settings.environment, settings.systemProperties);
      }
      return redactor;
    }
  }

  ReportCollector collector() {
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

  Payloads payloads() {
    synchronized (lock) {
      if (payloads == null) {
        payloads = new Payloads(settings, redactor());
      }
      return payloads;
    }
  }

  HttpExporter exporter() {
    synchronized (lock) {
      if (exporter == null) {
        exporter = new HttpExporter(settings, log);
      }
      return exporter;
    }
  }

  void cancelInFlight() {
    HttpExporter e;
    synchronized (lock) {
      e = exporter;
    }
    if (e != null) {
      e.cancel();
    }
  }

  void firstRun() {
    if (settings.firstRunNotice == null) {
      return;
    }
    try {
      settings.firstRunNotice.accept(FirstRunNotice.text(settings));
    } catch (RuntimeException e) {
      log.failure("notice", "the first-run notice callback threw " + e.getClass().getName());
    }
  }

  void shutdown() {
    synchronized (lock) {
      if (collector != null) {
        collector.shutdown();
      }
    }
  }
}
