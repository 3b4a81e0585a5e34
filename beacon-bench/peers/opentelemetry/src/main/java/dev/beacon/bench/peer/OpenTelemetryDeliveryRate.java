package dev.beacon.bench.peer;

import dev.beacon.bench.harness.Peer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry logs SDK beside Beacon's in the delivery-rate benchmark ({@code
 * DeliveryRateBench}): set up as its documentation says (a {@link BatchLogRecordProcessor} with its
 * defaults, the OTLP/HTTP exporter), sending to a Beacon server's {@code /v1/logs} with its write
 * key. A thousand events first (then {@code BENCH-warm} and 5 s for the runner to count them), then
 * one thread paced by the millisecond at the given rate, then {@code shutdown()} (its last export),
 * then {@code BENCH-sent N B} (calls made, bytes a call allocated on the caller's thread). The
 * runner counts what the server stored.
 *
 * <p>Arguments: endpoint, write key, events a second, seconds.
 */
public final class OpenTelemetryDeliveryRate {
  private OpenTelemetryDeliveryRate() {}

  public static void main(String[] args) throws Exception {
    String endpoint = args[0];
    String key = args[1];
    int rate = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    String basic = Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
    OtlpHttpLogRecordExporter exporter =
        OtlpHttpLogRecordExporter.builder()
            .setEndpoint(endpoint + "/v1/logs")
            .addHeader("Authorization", "Basic " + basic)
            .build();
    Resource resource =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.of(
                        AttributeKey.stringKey("service.name"), "bench",
                        AttributeKey.stringKey("service.version"), "1.0.0",
                        AttributeKey.stringKey("service.instance.id"),
                            UUID.randomUUID().toString())));
    SdkLoggerProvider provider =
        SdkLoggerProvider.builder()
            .setResource(resource)
            .addLogRecordProcessor(BatchLogRecordProcessor.builder(exporter).build())
            .build();
    Logger logger = provider.get("bench");
    Attributes warm = attributes("warm_up", Peer.tenProperties());
    Attributes probe = attributes("rate_probe", Peer.tenProperties());
    for (int i = 0; i < 1000; i++) {
      logger.logRecordBuilder().setAllAttributes(warm).emit();
    }
    System.out.println("BENCH-warm");
    Thread.sleep(5000);
    Peer.Paced paced =
        Peer.paced(rate, seconds, () -> logger.logRecordBuilder().setAllAttributes(probe).emit());
    provider.shutdown().join(30, TimeUnit.SECONDS);
    System.out.println("BENCH-sent " + paced.calls() + " " + paced.bytesPerCall());
  }

  /**
   * The properties as attributes ({@link OpenTelemetryClient}'s), the event as {@code event.name}.
   */
  private static Attributes attributes(String event, Map<String, Object> properties) {
    return OpenTelemetryClient.attributes(properties).toBuilder()
        .put(AttributeKey.stringKey("event.name"), event)
        .build();
  }
}
