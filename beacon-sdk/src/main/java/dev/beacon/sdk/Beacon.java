package dev.beacon.sdk;

import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import javax.management.ObjectName;

/**
 * Anonymous usage telemetry for a JVM product: periodic reports and tracked events, sent to the
 * vendor's Beacon server, under the operator's control.
 *
 * <pre>{@code
 * Beacon beacon = Beacon.builder("emqx")
 *     .version("5.0.9")
 *     .endpoint(URI.create("https://telemetry.example.com"))
 *     .writeKey("wk_...")
 *     .section("mqtt_runtime_insights", insights::snapshot)
 *     .build();
 * beacon.start();
 * beacon.track("rule_created", Map.of("kind", "republish"));
 * beacon.close();
 * }</pre>
 *
 * <p>Thread-safe. No method throws once built, and {@link #track} never blocks or does I/O.
 *
 * @since 0.1.0
 */
public final class Beacon implements AutoCloseable {
  private final Settings settings;
  private final StateStore state;
  private final ConsentResolver consent;
  private final Parts parts;
  private final Pipeline pipeline;
  private final Control control;
  private final Object lifecycle = new Object();
  private volatile ConsentStatus status;
  private volatile TelemetryMode mode;
  private volatile boolean closed;
  private boolean started;
  private final java.util.List<Runnable> onEnabled =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private ObjectName mbean;
  private UUID ephemeralId;

  Beacon(Settings settings) {
    this.settings = settings;
    this.state = new StateStore(settings.stateDirectory);
    this.consent = new ConsentResolver(settings);
    this.parts = new Parts(settings);
    this.pipeline = new Pipeline(settings, state, () -> mode, parts);
    this.control = new Control(this);
    setStatus(consent.resolve(state.persistedMode()));
    if (settings.registerMBean) {
      mbean = Control.register(control, settings.product);
    }
  }

  /**
   * Starts configuring telemetry for a product.
   *
   * @param product the product's name: lower case letters, digits, '-' or '_'; the environment
   *     variables' prefix is derived from it ({@code emqx} → {@code EMQX_TELEMETRY})
   */
  public static BeaconBuilder builder(String product) {
    return new BeaconBuilder(product);
  }

  /**
   * Starts the periodic reports and event delivery (one daemon thread). Does nothing while
   * telemetry is off; turning it on later starts it then. Idempotent.
   */
  public void start() {
    synchronized (lifecycle) {
      if (started || closed) {
        return;
      }
      started = true;
      if (mode != TelemetryMode.OFF) {
        pipeline.startWorker();
      }
    }
  }

  /**
   * Records a custom event. Returns at once: never blocks, throws or does I/O on the calling
   * thread. When the queue is full the event is dropped and counted, and the count travels with the
   * next payload.
   *
   * @param event the event's name
   * @param properties its properties; values should be immutable (they are read later, by the
   *     worker), and never hold personal data
   */
  public void track(String event, Map<String, ?> properties) {
    if (mode == TelemetryMode.OFF || closed) {
      return;
    }
    try {
      if (event == null) {
        pipeline.countDrop();
        return;
      }
      pipeline.offer(Event.capture(event, properties, System.currentTimeMillis()));
    } catch (RuntimeException e) {
      pipeline.countDrop(); // a map mutated under our feet: drop, never disturb the host
    }
  }

  /**
   * A CLI command begins: sends {@code CommandStarted} (option names and how they were given, never
   * values; the project id; OS, arch, version, channel) and starts delivery in the background while
   * the command runs. End it with {@link CommandRun#exited}; a {@code System.exit} ends it too.
   * When telemetry is off, or the command is untracked, the run sends nothing, and ending it only
   * closes this Beacon.
   *
   * @param command the command path, such as {@code "werf build"}
   */
  public CommandRun startCommand(String command, java.util.Collection<CommandOption> options) {
    boolean on = mode != TelemetryMode.OFF && !closed && command != null;
    try {
      CommandRun run =
          CommandRun.start(
              this,
              settings,
              command == null ? "" : command,
              options == null ? java.util.List.of() : options,
              on);
      if (on) {
        synchronized (lifecycle) {
          started = true;
          pipeline.startWorker();
        }
      }
      return run;
    } catch (RuntimeException e) {
      parts.log.failure("command", "could not start the command event: " + e.getClass().getName());
      return CommandRun.start(this, settings, "", java.util.List.of(), false);
    }
  }

  /** An event about someone else than this installation: a cluster agent's cluster. */
  void track(String event, Map<String, ?> properties, String anonymousId) {
    if (mode == TelemetryMode.OFF || closed) {
      return;
    }
    try {
      pipeline.offer(Event.capture(event, properties, System.currentTimeMillis(), anonymousId));
    } catch (RuntimeException e) {
      pipeline.countDrop();
    }
  }

  /** Status, runtime toggle and preview, for the product's own API or dashboard. */
  public TelemetryControl control() {
    return control;
  }

  /**
   * Stops within the close timeout (800 ms by default), whatever the network does: queued events
   * are written to the spool and delivered by the next start. Idempotent.
   */
  @Override
  public void close() {
    long deadline = System.nanoTime() + settings.closeTimeout.toNanos();
    closeBy(deadline, deadline);
  }

  /**
   * {@link #close()} by deadlines ({@link System#nanoTime()}) a command's exit sets: one for
   * delivery, one (as late or later) for spooling what is queued.
   */
  void closeBy(long deadlineNanos, long spoolDeadlineNanos) {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      pipeline.close(deadlineNanos, spoolDeadlineNanos);
    } catch (RuntimeException e) {
      parts.log.failure("close", "close failed: " + e.getClass().getName());
    }
    Control.unregister(mbean);
  }

  // ---- used by Control ----

  ConsentStatus status() {
    return status;
  }

  ConsentStatus toggle(TelemetryMode wanted) {
    synchronized (lifecycle) {
      try {
        state.persistMode(wanted);
      } catch (IOException e) {
        parts.log.failure(
            "toggle", "could not persist the runtime toggle: " + e.getClass().getSimpleName());
      }
      setStatus(consent.resolve(wanted));
      if (mode == TelemetryMode.OFF) {
        pipeline.discardPending();
      } else if (!closed) {
        if (started) {
          pipeline.startWorker();
          pipeline.wake();
        }
        for (Runnable r : onEnabled) {
          try {
            r.run();
          } catch (RuntimeException e) {
            parts.log.failure("toggle", "a start on enable failed: " + e.getClass().getName());
          }
        }
      }
      return status;
    }
  }

  String preview() {
    UUID id = state.existingInstallationId();
    if (id == null) {
      synchronized (lifecycle) {
        if (ephemeralId == null) {
          ephemeralId = UUID.randomUUID(); // shown, never written: off must create no file
        }
        id = ephemeralId;
      }
    }
    long now = System.currentTimeMillis();
    String message = parts.payloads().report(id, parts.collector().collect(id, false), now);
    if (message == null) {
      throw new IllegalStateException("the report exceeds the message size");
    }
    return parts.payloads().batches(java.util.List.of(message), 0, now).get(0).json;
  }

  SendResult sendReportNow() {
    TelemetryMode m = mode;
    if (m == TelemetryMode.OFF) {
      return new SendResult(
          SendResult.Outcome.NOT_SENT_OFF, "telemetry is off: " + status.reason());
    }
    try {
      java.nio.file.Path file = pipeline.emitReport(m, System.currentTimeMillis());
      if (m == TelemetryMode.LOCAL) {
        return new SendResult(
            SendResult.Outcome.LOGGED_LOCALLY, "written to " + pipeline.localLogFile());
      }
      if (file == null) {
        return new SendResult(
            SendResult.Outcome.REJECTED, "the report exceeds the message or the spool's size");
      }
      HttpExporter.Outcome o = pipeline.delivery().deliverOne(file, settings.requestTimeout);
      if (o == null) {
        return new SendResult(SendResult.Outcome.DELIVERED, "delivered by the running worker");
      }
      switch (o.kind) {
        case DELIVERED:
          return new SendResult(
              SendResult.Outcome.DELIVERED, o.detail + " from " + settings.batchUri());
        case REJECTED:
          return new SendResult(
              SendResult.Outcome.REJECTED, o.detail + " from " + settings.batchUri());
        default:
          return new SendResult(
              SendResult.Outcome.SPOOLED,
              o.detail + " (" + settings.batchUri() + "); kept in " + state.directory());
      }
    } catch (IOException | RuntimeException e) {
      return new SendResult(SendResult.Outcome.SPOOLED, "could not build or keep the report: " + e);
    }
  }

  long droppedEvents() {
    return pipeline.droppedTotal();
  }

  /** Whether telemetry collects now: not off, and not closed. */
  boolean collecting() {
    return mode != TelemetryMode.OFF && !closed;
  }

  /** Runs {@code start} each time telemetry is turned on or local at runtime (a source agent). */
  void whenEnabled(Runnable start) {
    onEnabled.add(start);
  }

  Pipeline pipeline() {
    return pipeline;
  }

  private void setStatus(ConsentStatus s) {
    status = s;
    mode = s.mode();
  }
}
