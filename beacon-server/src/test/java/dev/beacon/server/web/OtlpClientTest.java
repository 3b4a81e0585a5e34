package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.server.storage.StoredEvent;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenTelemetry Java's own OTLP/HTTP exporters, unmodified, talk to Beacon: werf's spans (built
 * exactly as werf's telemetrywerfio.go builds them) become the Beacon SDK's command events, other
 * spans and log records become events, and nothing identifying from the resource or the attributes
 * is stored. Each export reports success on its first try (no retry policy: a refusal would fail).
 */
class OtlpClientTest {
  private static final String WERF_PROJECT =
      "b4c2d019070529344a6967d8c73d578101c6554fcdcae3d00bb93a9692523cb1";
  private static final String WERF_USER =
      "5e0f4b5c1b8a4c6e9a1f3d2c7b6a5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a87";

  @TempDir Path data;

  @Test
  void werfSpansOverProtobufBecomeTheSdksCommandEventsWithoutTheUserId() {
    try (TestServer s = TestServer.start(data)) {
      List<CompletableResultCode> results = new CopyOnWriteArrayList<>();
      OtlpHttpSpanExporter exporter =
          OtlpHttpSpanExporter.builder()
              .setEndpoint(s.server.url() + "/v1/traces")
              .addHeader("Authorization", TestServer.basic(TestServer.ACME_KEY, ""))
              .setRetryPolicy(null)
              .build();
      sendWerfRuns(exporter, results, 3);
      assertThat(results).isNotEmpty().allMatch(CompletableResultCode::isSuccess);

      List<StoredEvent> events = sorted(s.server.store().events("acme", 100));
      assertThat(events).hasSize(6);
      assertThat(events)
          .extracting(StoredEvent::event)
          .containsOnly("CommandStarted", "CommandExited");
      for (StoredEvent e : events) {
        assertThat(e.type()).isEqualTo("track");
        assertThat(e.installationId()).startsWith("exec-");
        assertThat(e.version()).isEqualTo("2.31.0");
        assertThat(e.os()).isEqualTo("linux");
        assertThat(e.arch()).isEqualTo("amd64");
        assertThat(e.library()).isEqualTo("werf");
        JsonNode p = TestServer.JSON.readTree(e.properties());
        assertThat(p.path("command").asText()).isEqualTo("werf converge");
        assertThat(p.path("executionID").asText()).isEqualTo(e.installationId());
        assertThat(p.path("schemaVersion").asInt()).isEqualTo(2);
        assertThat(p.path("attributes").path("ci").asBoolean()).isTrue();
        assertThat(p.path("projectID").asText()).hasSize(64).isNotEqualTo(WERF_PROJECT);
        assertThat(e.properties() + e.context())
            .doesNotContain(WERF_USER)
            .doesNotContain("userID")
            .doesNotContain("build-host-7");
        if (e.event().equals("CommandStarted")) {
          assertThat(p.path("eventData").path("options").get(0).path("name").asText())
              .isEqualTo("repo");
          assertThat(p.path("eventData").has("commandOptions")).isFalse();
        } else {
          assertThat(p.path("eventData").path("exitCode").asInt()).isIn(0, 1);
          assertThat(p.path("eventData").path("durationMs").asDouble()).isEqualTo(10827);
        }
      }
      // The Commands view reads them as it reads the SDK's.
      TestServer.Response commands =
          s.get(
              "/api/v1/products/acme/fleet/commands?days=7",
              TestServer.basic("admin", TestServer.ADMIN_PASSWORD));
      assertThat(commands.status()).isEqualTo(200);
      JsonNode rows = commands.json().path("rows");
      assertThat(rows).hasSize(1);
      List<String> columns = new ArrayList<>();
      commands.json().path("columns").forEach(c -> columns.add(c.asText()));
      assertThat(rows.get(0).get(columns.indexOf("command")).asText()).isEqualTo("werf converge");
      assertThat(rows.get(0).get(columns.indexOf("runs")).asLong()).isEqualTo(3);
      // Exported again (a retry after a lost answer): stored once.
      OtlpHttpSpanExporter again =
          OtlpHttpSpanExporter.builder()
              .setEndpoint(s.server.url() + "/v1/traces")
              .addHeader("Authorization", TestServer.basic(TestServer.ACME_KEY, ""))
              .setRetryPolicy(null)
              .build();
      assertThat(again.export(lastBatch).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
      again.shutdown();
      assertThat(s.server.store().count("acme")).isEqualTo(6);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The spans of the last {@link #sendWerfRuns}, to send again. */
  private List<SpanData> lastBatch = List.of();

  @Test
  void gzipAndBearerAndAnOpenProductWork() {
    try (TestServer s =
        TestServer.start(
            data,
            Map.of(
                "BEACON_COMPAT__OTLP__PRODUCT", "emqx",
                "BEACON_COMPAT__OTLP__KEY_HEADER", "X-Beacon-Key"))) {
      List<CompletableResultCode> results = new CopyOnWriteArrayList<>();
      sendWerfRuns(
          OtlpHttpSpanExporter.builder()
              .setEndpoint(s.server.url() + "/v1/traces")
              .addHeader("Authorization", "Bearer " + TestServer.ACME_KEY)
              .setCompression("gzip")
              .setRetryPolicy(null)
              .build(),
          results,
          1);
      sendWerfRuns(
          OtlpHttpSpanExporter.builder()
              .setEndpoint(s.server.url() + "/v1/traces")
              .addHeader("X-Beacon-Key", TestServer.ACME_KEY)
              .setRetryPolicy(null)
              .build(),
          results,
          1);
      // No key at all, as werf sends: the open product takes it.
      sendWerfRuns(
          OtlpHttpSpanExporter.builder()
              .setEndpoint(s.server.url() + "/v1/traces")
              .setCompression("gzip")
              .setRetryPolicy(null)
              .build(),
          results,
          2);
      assertThat(results).hasSizeGreaterThanOrEqualTo(3).allMatch(CompletableResultCode::isSuccess);
      assertThat(s.server.store().count("acme")).isEqualTo(4);
      assertThat(s.server.store().count("emqx")).isEqualTo(4);
    }
  }

  @Test
  void withoutAKeyOrAnOpenProductTheExporterIsRefusedAndStopsTrying() {
    try (TestServer s = TestServer.start(data)) {
      List<CompletableResultCode> results = new CopyOnWriteArrayList<>();
      // The default retry policy: a 401 is final, so the export fails at once.
      sendWerfRuns(
          OtlpHttpSpanExporter.builder().setEndpoint(s.server.url() + "/v1/traces").build(),
          results,
          1);
      assertThat(results).isNotEmpty().noneMatch(CompletableResultCode::isSuccess);
      assertThat(s.server.store().count("acme")).isZero();
    }
  }

  @Test
  void spansAndLogRecordsOfOtherProductsBecomeEventsWithoutIdentifyingAttributes()
      throws IOException {
    try (TestServer s = TestServer.start(data)) {
      Resource resource =
          Resource.create(
              Attributes.builder()
                  .put("service.name", "acme-server")
                  .put("service.version", "4.2.0")
                  .put("service.instance.id", "inst-42")
                  .put("os.type", "linux")
                  .put("host.arch", "arm64")
                  .put("host.name", "build-host-7")
                  .put("host.id", "f3a1c2d4")
                  .put("host.ip", "10.1.2.3")
                  .put("process.command_line", "/opt/acme/bin/server --secret x")
                  .put("cloud.provider", "aws")
                  .build());
      List<CompletableResultCode> results = new CopyOnWriteArrayList<>();
      SdkTracerProvider traces =
          SdkTracerProvider.builder()
              .setResource(resource)
              .addSpanProcessor(
                  SimpleSpanProcessor.create(
                      recording(
                          OtlpHttpSpanExporter.builder()
                              .setEndpoint(s.server.url() + "/v1/traces")
                              .addHeader("Authorization", "Bearer " + TestServer.ACME_KEY)
                              .setRetryPolicy(null)
                              .build(),
                          results)))
              .build();
      Span span =
          traces
              .get("dev.acme.jobs", "1.0")
              .spanBuilder("job.run")
              .setAttribute("job.kind", "nightly")
              .setAttribute("items", 12L)
              .setAttribute("url.full", "https://acme.example/jobs/12?token=x")
              .setAttribute("user.email", "jane@example.com")
              .setAttribute("client.address", "192.0.2.7")
              .startSpan();
      span.end();
      traces.forceFlush().join(10, TimeUnit.SECONDS);
      traces.shutdown().join(10, TimeUnit.SECONDS);

      SdkLoggerProvider logs =
          SdkLoggerProvider.builder()
              .setResource(resource)
              .addLogRecordProcessor(
                  SimpleLogRecordProcessor.create(
                      recording(
                          OtlpHttpLogRecordExporter.builder()
                              .setEndpoint(s.server.url() + "/v1/logs")
                              .addHeader("Authorization", TestServer.basic(TestServer.ACME_KEY, ""))
                              .setCompression("gzip")
                              .setRetryPolicy(null)
                              .build(),
                          results)))
              .build();
      Logger logger = logs.get("dev.acme.audit");
      logger
          .logRecordBuilder()
          .setEventName("license.checked")
          .setSeverity(Severity.INFO)
          .setSeverityText("INFO")
          .setBody("checked for jane@example.com in /home/jane")
          .setAttribute(AttributeKey.stringKey("edition"), "enterprise")
          .setAttribute(AttributeKey.stringKey("user.name"), "jane")
          .emit();
      logs.forceFlush().join(10, TimeUnit.SECONDS);
      logs.shutdown().join(10, TimeUnit.SECONDS);
      assertThat(results).hasSize(2).allMatch(CompletableResultCode::isSuccess);

      List<StoredEvent> events = sorted(s.server.store().events("acme", 10));
      assertThat(events)
          .extracting(StoredEvent::event)
          .containsExactly("job.run", "license.checked");
      for (StoredEvent e : events) {
        assertThat(e.installationId()).isEqualTo("inst-42");
        assertThat(e.version()).isEqualTo("4.2.0");
        assertThat(e.os()).isEqualTo("linux");
        assertThat(e.arch()).isEqualTo("arm64");
        String all = e.properties() + e.context();
        for (String identifying :
            List.of(
                "build-host-7",
                "f3a1c2d4",
                "10.1.2.3",
                "/opt/acme",
                "jane",
                "192.0.2.7",
                "acme.example")) {
          assertThat(all).as("stored %s", all).doesNotContain(identifying);
        }
        assertThat(
                TestServer.JSON
                    .readTree(e.properties())
                    .path("otel.resource")
                    .path("cloud.provider")
                    .asText())
            .isEqualTo("aws");
      }
      JsonNode job = TestServer.JSON.readTree(events.get(0).properties());
      assertThat(job.path("job.kind").asText()).isEqualTo("nightly");
      assertThat(job.path("items").asLong()).isEqualTo(12);
      assertThat(job.has("durationMs")).isTrue();
      assertThat(events.get(0).library()).isEqualTo("dev.acme.jobs");
      JsonNode log = TestServer.JSON.readTree(events.get(1).properties());
      assertThat(log.path("edition").asText()).isEqualTo("enterprise");
      assertThat(log.path("severity").asText()).isEqualTo("INFO");
    }
  }

  /** Runs of "werf converge", each a CommandStarted and a CommandExited span, as werf sends. */
  private void sendWerfRuns(SpanExporter exporter, List<CompletableResultCode> results, int runs) {
    List<SpanData> batch = new CopyOnWriteArrayList<>();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(
                    Attributes.builder()
                        .put("service.name", "unknown_service:werf")
                        .put("host.name", "build-host-7")
                        .put("telemetry.sdk.language", "go")
                        .build()))
            // As werf: a batcher that sends at once (its timeout is 1 ms).
            .addSpanProcessor(
                BatchSpanProcessor.builder(recording(exporter, results, batch))
                    .setScheduleDelay(Duration.ofMillis(1))
                    .build())
            .build();
    Tracer tracer = provider.get("telemetry.werf.io");
    for (int run = 0; run < runs; run++) {
      String execution = "exec-" + run + "-" + System.nanoTime();
      werfSpan(
          tracer,
          execution,
          "CommandStarted",
          "{\"commandOptions\":[{\"name\":\"repo\",\"asCli\":true,\"asEnv\":false,\"count\":1}]}");
      werfSpan(
          tracer,
          execution,
          "CommandExited",
          "{\"exitCode\":" + (run % 2) + ",\"durationMs\":10827}");
    }
    provider.forceFlush().join(10, TimeUnit.SECONDS);
    provider.shutdown().join(10, TimeUnit.SECONDS);
    lastBatch = List.copyOf(batch);
  }

  private static void werfSpan(Tracer tracer, String execution, String type, String eventData) {
    Span span = tracer.spanBuilder("telemetry.werf.io").startSpan();
    span.setAttribute("ts", System.currentTimeMillis());
    span.setAttribute("executionID", execution);
    span.setAttribute("userID", WERF_USER);
    span.setAttribute("projectID", WERF_PROJECT);
    span.setAttribute("command", "werf converge");
    span.setAttribute("eventType", type);
    span.setAttribute("eventData", eventData);
    span.setAttribute(
        "attributes",
        "{\"version\":\"2.31.0\",\"os\":\"linux\",\"arch\":\"amd64\",\"expDeployEngine\":false,"
            + "\"ci\":true,\"ciName\":\"gitlab\",\"extra\":{}}");
    span.setAttribute("schemaVersion", 2L);
    span.end();
  }

  private static SpanExporter recording(
      SpanExporter delegate, List<CompletableResultCode> results) {
    return recording(delegate, results, new CopyOnWriteArrayList<>());
  }

  private static SpanExporter recording(
      SpanExporter delegate, List<CompletableResultCode> results, List<SpanData> sent) {
    return new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        sent.addAll(spans);
        CompletableResultCode r = delegate.export(spans);
        results.add(r);
        return r;
      }

      @Override
      public CompletableResultCode flush() {
        return delegate.flush();
      }

      @Override
      public CompletableResultCode shutdown() {
        return delegate.shutdown();
      }
    };
  }

  private static LogRecordExporter recording(
      LogRecordExporter delegate, List<CompletableResultCode> results) {
    return new LogRecordExporter() {
      @Override
      public CompletableResultCode export(Collection<LogRecordData> logs) {
        CompletableResultCode r = delegate.export(logs);
        results.add(r);
        return r;
      }

      @Override
      public CompletableResultCode flush() {
        return delegate.flush();
      }

      @Override
      public CompletableResultCode shutdown() {
        return delegate.shutdown();
      }
    };
  }

  private static List<StoredEvent> sorted(List<StoredEvent> events) {
    return events.stream()
        .sorted(Comparator.comparing(StoredEvent::event).thenComparing(StoredEvent::messageId))
        .toList();
  }
}
