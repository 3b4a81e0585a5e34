package dev.beacon.sdk;

import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** {@link TelemetryControl} and its JMX face, over one {@link Beacon}. */
final class Control implements TelemetryControl, BeaconMXBean {
  private final Beacon beacon;

  Control(Beacon beacon) {
    this.beacon = beacon;
  }

  @Override
  public ConsentStatus status() {
    return beacon.status();
  }

  @Override
  public ConsentStatus enable() {
    return beacon.toggle(TelemetryMode.ON);
  }

  @Override
  public ConsentStatus disable() {
    return beacon.toggle(TelemetryMode.OFF);
  }

  @Override
  public String preview() {
    try {
      return beacon.preview();
    } catch (RuntimeException e) {
      return "{\"error\":\"preview failed: " + e.getClass().getName() + "\"}";
    }
  }

  @Override
  public SendResult sendReportNow() {
    return beacon.sendReportNow();
  }

  @Override
  public String getMode() {
    return status().mode().label();
  }

  @Override
  public String getReason() {
    return status().reason();
  }

  @Override
  public long getDroppedEvents() {
    return beacon.droppedEvents();
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

  static ObjectName register(Control control, String product) {
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

  static void unregister(ObjectName name) {
    if (name == null) {
      return;
    }
    try {
      ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
    } catch (JMException | RuntimeException gone) {
      // already unregistered
    }
  }
}
