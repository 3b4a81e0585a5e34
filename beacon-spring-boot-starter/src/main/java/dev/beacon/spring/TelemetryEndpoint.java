package dev.beacon.spring;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.ConsentStatus;
import dev.beacon.sdk.DeliveryStatus;
import dev.beacon.sdk.TelemetryControl;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.json.JsonParserFactory;

/**
 * The Actuator endpoint {@code telemetry}: what EMQX offers as {@code /telemetry/status} and {@code
 * /telemetry/data}. {@code GET} answers the mode, the setting that decided it, the last delivery
 * and the exact payload the next report would send; {@code POST {"enabled": false}} turns telemetry
 * off (or on) at runtime, remembered across restarts. Like every Actuator endpoint but health, it
 * is not exposed on the web unless {@code management.endpoints.web.exposure.include} names it.
 *
 * @since 0.2.0
 */
@Endpoint(id = "telemetry")
public class TelemetryEndpoint {
  private final Beacon beacon;

  public TelemetryEndpoint(Beacon beacon) {
    this.beacon = beacon;
  }

  @ReadOperation
  public Map<String, Object> telemetry() {
    TelemetryControl control = beacon.control();
    Map<String, Object> out = status(control.status(), control.delivery());
    out.put("payload", JsonParserFactory.getJsonParser().parseMap(control.preview()));
    return out;
  }

  /**
   * Turns telemetry on or off at runtime; the choice is kept in the state directory.
   *
   * @param enabled true to turn telemetry on, false to turn it off
   */
  @WriteOperation
  public Map<String, Object> setEnabled(boolean enabled) {
    TelemetryControl control = beacon.control();
    return status(enabled ? control.enable() : control.disable(), control.delivery());
  }

  private static Map<String, Object> status(ConsentStatus status, DeliveryStatus delivery) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("mode", status.mode().name().toLowerCase(Locale.ROOT));
    out.put("reason", status.reason());
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("last_outcome", delivery.lastOutcome().name().toLowerCase(Locale.ROOT));
    d.put(
        "last_attempt", delivery.lastAttempt() == null ? null : delivery.lastAttempt().toString());
    d.put("detail", delivery.detail());
    d.put("spooled_payloads", delivery.spooledPayloads());
    d.put("spooled_bytes", delivery.spooledBytes());
    out.put("delivery", d);
    return out;
  }
}
