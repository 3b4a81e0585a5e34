package dev.beacon.sdk.internal.pipeline;

import dev.beacon.sdk.BeaconMXBean;
import dev.beacon.sdk.ConsentStatus;
import dev.beacon.sdk.DeliveryStatus;
import dev.beacon.sdk.SendResult;
import dev.beacon.sdk.TelemetryControl;
import dev.beacon.sdk.TelemetryMode;
import dev.beacon.sdk.internal.config.ModeNames;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.consent.Consent;
import dev.beacon.sdk.internal.delivery.Outbox;
import dev.beacon.sdk.internal.log.QuietLog;
import dev.beacon.sdk.internal.report.PayloadWriter;
import dev.beacon.sdk.internal.state.StateStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * {@link TelemetryControl} and its JMX face: the runtime toggle, the preview and the report sent on
 * request. The toggle changes the {@link Consent} and then tells the {@link Pipeline}: off discards
 * what waits, on or local starts the worker if the host started telemetry, and the starts that
 * waited for it (a source agent's).
 */
public final class Control implements TelemetryControl, BeaconMXBean {
  private final Settings settings;
  private final StateStore state;
  private final Consent consent;
  private final Pipeline pipeline;
  private final PayloadWriter writer;
  private final QuietLog log;
  private final Object lock = new Object();
  private final List<Runnable> onEnabled = new CopyOnWriteArrayList<>();
  private UUID ephemeralId; // guarded by lock
  private ObjectName mbean; // guarded by lock

  private Control(
      Settings settings,
      StateStore state,
      Consent consent,
      Pipeline pipeline,
      PayloadWriter writer,
      QuietLog log) {
    this.settings = settings;
    this.state = state;
    this.consent = consent;
    this.pipeline = pipeline;
    this.writer = writer;
    this.log = log;
  }

  /** The control of one Beacon, registered as an MBean if the settings ask for it. */
  public static Control create(
      Settings settings,
      StateStore state,
      Consent consent,
      Pipeline pipeline,
      PayloadWriter writer,
      QuietLog log) {
    Control c = new Control(settings, state, consent, pipeline, writer, log);
    if (settings.registerMBean) {
      synchronized (c.lock) {
        c.mbean = register(c, settings.product);
      }
    }
    return c;
  }

  @Override
  public DeliveryStatus delivery() {
    try {
      return Outbox.deliveryStatus(settings);
    } catch (RuntimeException e) {
      log.failure("status", "could not read the spool: " + e.getClass().getSimpleName());
      return TelemetryControl.super.delivery();
    }
  }

  @Override
  public ConsentStatus status() {
    return consent.status();
  }

  @Override
  public ConsentStatus enable() {
    return toggle(TelemetryMode.ON);
  }

  @Override
  public ConsentStatus disable() {
    return toggle(TelemetryMode.OFF);
  }

  private ConsentStatus toggle(TelemetryMode wanted) {
    synchronized (lock) {
      ConsentStatus s = consent.toggle(wanted);
      if (s.mode() == TelemetryMode.OFF) {
        pipeline.discardPending();
      } else if (pipeline.resume()) {
        for (Runnable r : onEnabled) {
          try {
            r.run();
          } catch (RuntimeException e) {
            log.failure("toggle", "a start on enable failed: " + e.getClass().getName());
          }
        }
      }
      return s;
    }
  }

  /** Runs {@code start} each time telemetry is turned on or local at runtime (a source agent). */
  public void whenEnabled(Runnable start) {
    onEnabled.add(start);
  }

  @Override
  public String preview() {
    try {
      return previewJson();
    } catch (RuntimeException e) {
      return "{\"error\":\"preview failed: " + e.getClass().getName() + "\"}";
    }
  }

  private String previewJson() {
    UUID id = state.existingInstallationId();
    if (id == null) {
      synchronized (lock) {
        if (ephemeralId == null) {
          ephemeralId = UUID.randomUUID(); // shown, never written: off must create no file
        }
        id = ephemeralId;
      }
    }
    long now = System.currentTimeMillis();
    String message = writer.report(id, false, now);
    if (message == null) {
      throw new IllegalStateException("the report exceeds the message size");
    }
    return writer.batches(List.of(message), 0, now).get(0).json;
  }

  @Override
  public SendResult sendReportNow() {
    ConsentStatus s = consent.status();
    TelemetryMode m = s.mode();
    if (m == TelemetryMode.OFF) {
      return new SendResult(SendResult.Outcome.NOT_SENT_OFF, "telemetry is off: " + s.reason());
    }
    try {
      Path file = pipeline.emitReport(m, System.currentTimeMillis());
      if (m == TelemetryMode.LOCAL) {
        return new SendResult(
            SendResult.Outcome.LOGGED_LOCALLY, "written to " + pipeline.localLogFile());
      }
      if (file == null) {
        return new SendResult(
            SendResult.Outcome.REJECTED, "the report exceeds the message or the spool's size");
      }
      return pipeline.sendNow(file, settings.requestTimeout);
    } catch (IOException | RuntimeException e) {
      return new SendResult(SendResult.Outcome.SPOOLED, "could not build or keep the report: " + e);
    }
  }

  @Override
  public Optional<String> installationId() {
    UUID id = state.existingInstallationId();
    return id == null ? Optional.empty() : Optional.of(id.toString());
  }

  @Override
  public SendResult forget() {
    try {
      synchronized (lock) {
        UUID id = state.existingInstallationId();
        pipeline.discardPending(); // first, so no event of the old id follows the erasure
        SendResult r =
            id == null
                ? new SendResult(
                    SendResult.Outcome.DELIVERED, "no installation id here: nothing was sent")
                : pipeline.forget(id, settings.requestTimeout);
        if (r.outcome() == SendResult.Outcome.DELIVERED) {
          pipeline.forgetInstallation();
        }
        return r;
      }
    } catch (IOException | RuntimeException e) {
      log.failure("forget", "could not wipe the state directory: " + e.getClass().getSimpleName());
      return new SendResult(
          SendResult.Outcome.SPOOLED,
          "erased on the server, but the state directory could not be wiped: " + e);
    }
  }

  @Override
  public String getMode() {
    return ModeNames.label(status().mode());
  }

  @Override
  public String getReason() {
    return status().reason();
  }

  @Override
  public long getDroppedEvents() {
    return pipeline.droppedTotal();
  }

  @Override
  public String previewReport() {
    return preview();
  }

  @Override
  public String enableTelemetry() {
    return enable().toString();
  }

  @Override
  public String disableTelemetry() {
    return disable().toString();
  }

  /** Unregisters the MBean, if this control registered one. Idempotent. */
  public void unregister() {
    ObjectName name;
    synchronized (lock) {
      name = mbean;
      mbean = null;
    }
    if (name == null) {
      return;
    }
    try {
      ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
    } catch (JMException | RuntimeException gone) {
      // already unregistered
    }
  }

  private static ObjectName register(Control control, String product) {
    try {
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      ObjectName name =
          new ObjectName("dev.beacon:type=Telemetry,product=" + ObjectName.quote(product));
      if (server.isRegistered(name)) {
        return null; // another instance for the same product owns the name
      }
      server.registerMBean(control, name);
      return name;
    } catch (JMException | RuntimeException e) {
      return null;
    }
  }
}
