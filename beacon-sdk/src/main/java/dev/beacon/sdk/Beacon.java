package dev.beacon.sdk;

import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.consent.Consent;
import dev.beacon.sdk.internal.log.QuietLog;
import dev.beacon.sdk.internal.pipeline.Control;
import dev.beacon.sdk.internal.pipeline.Pipeline;
import dev.beacon.sdk.internal.report.Event;
import dev.beacon.sdk.internal.report.PayloadWriter;
import dev.beacon.sdk.internal.state.StateStore;
import java.util.Collection;
import java.util.List;
import java.util.Map;

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
  private final QuietLog log;
  private final Pipeline pipeline;
  private final Control control;
  private final UiRelay uiRelay = new UiRelay(this);

  Beacon(Settings settings) {
    this.settings = settings;
    this.log = new QuietLog(settings.product);
    StateStore state = new StateStore(settings.stateDirectory);
    Consent consent = new Consent(settings, state, log);
    PayloadWriter writer = new PayloadWriter(settings);
    this.pipeline = new Pipeline(settings, state, consent, writer, log);
    this.control = Control.create(settings, state, consent, pipeline, writer, log);
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
    pipeline.start();
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
    if (!pipeline.collecting()) {
      return;
    }
    try {
      if (event == null) {
        pipeline.countDrop();
        return;
      }
      pipeline.track(event, properties);
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
  public CommandRun startCommand(String command, Collection<CommandOption> options) {
    boolean on = pipeline.collecting() && command != null;
    try {
      CommandRun run =
          CommandRun.start(
              this,
              settings,
              command == null ? "" : command,
              options == null ? List.of() : options,
              on);
      if (on) {
        pipeline.start();
      }
      return run;
    } catch (RuntimeException e) {
      log.failure("command", "could not start the command event: " + e.getClass().getName());
      return CommandRun.start(this, settings, "", List.of(), false);
    }
  }

  /** An event about someone else than this installation: a cluster agent's cluster. */
  void track(String event, Map<String, ?> properties, String anonymousId) {
    if (!pipeline.collecting()) {
      return;
    }
    try {
      pipeline.offer(Event.capture(event, properties, System.currentTimeMillis(), anonymousId));
    } catch (RuntimeException e) {
      pipeline.countDrop();
    }
  }

  /**
   * The relay of the product's web UI telemetry ({@code beacon.js}), to mount on a path of the
   * product's own server: see {@link UiRelay}.
   *
   * @since 0.2.0
   */
  public UiRelay uiRelay() {
    return uiRelay;
  }

  /** An event of the web UI, checked by the relay. */
  void offerUi(Event e) {
    if (pipeline.collecting()) {
      pipeline.offer(e);
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
    try {
      pipeline.close(deadlineNanos, spoolDeadlineNanos);
    } catch (RuntimeException e) {
      log.failure("close", "close failed: " + e.getClass().getName());
    }
    control.unregister();
  }

  /** Whether telemetry collects now: not off, and not closed. */
  boolean collecting() {
    return pipeline.collecting();
  }

  /** Runs {@code start} each time telemetry is turned on or local at runtime (a source agent). */
  void whenEnabled(Runnable start) {
    control.whenEnabled(start);
  }

  /** Events dropped so far, as the MBean shows them: for the SDK's own tests. */
  long droppedEvents() {
    return pipeline.droppedTotal();
  }

  /** The pipeline, for the SDK's own tests. */
  Pipeline pipeline() {
    return pipeline;
  }
}
