package dev.beacon.bench.peer;

import dev.beacon.bench.harness.Client;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import java.net.URI;
import java.util.Map;

/**
 * The OpenTelemetry logs SDK as its documentation sets it up for events: a {@link
 * BatchLogRecordProcessor} (defaults: queue of 2048, batches of 512 every second) feeding the
 * OTLP/HTTP exporter, {@code close()} at the end. The attributes are built once per property map,
 * as the other SDKs get theirs prebuilt.
 */
public final class OpenTelemetryClient implements Client {
  private final SdkLoggerProvider provider;
  private final Logger logger;
  private Map<String, Object> lastProperties;
  private Attributes lastAttributes;

  public OpenTelemetryClient(URI endpoint) {
    OtlpHttpLogRecordExporter exporter =
        OtlpHttpLogRecordExporter.builder().setEndpoint(endpoint + "/v1/logs").build();
    provider =
        SdkLoggerProvider.builder()
            .addLogRecordProcessor(BatchLogRecordProcessor.builder(exporter).build())
            .build();
    logger = provider.get("bench");
  }

  @Override
  public void send(String event, Map<String, Object> properties) {
    if (properties != lastProperties) {
      lastAttributes = attributes(properties);
      lastProperties = properties;
    }
    logger.logRecordBuilder().setBody(event).setAllAttributes(lastAttributes).emit();
  }

  /** The properties as attributes of their kinds (booleans, doubles, longs, the rest as text). */
  static Attributes attributes(Map<String, Object> properties) {
    AttributesBuilder b = Attributes.builder();
    properties.forEach(
        (k, v) -> {
          if (v instanceof Boolean bool) {
            b.put(AttributeKey.booleanKey(k), bool);
          } else if (v instanceof Double d) {
            b.put(AttributeKey.doubleKey(k), d);
          } else if (v instanceof Number number) {
            b.put(AttributeKey.longKey(k), number.longValue());
          } else {
            b.put(AttributeKey.stringKey(k), String.valueOf(v));
          }
        });
    return b.build();
  }

  @Override
  public void close() {
    provider.close();
  }
}
