package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an OTLP endpoint answers to what no exporter should send: each a clear 4xx in the request's
 * encoding (a 200 with partial_success for refused records), nothing stored, the server healthy.
 */
class OtlpBadInputTest {
  private static final String AUTH = TestServer.basic(TestServer.ACME_KEY, "");

  @TempDir Path data;

  private static TestServer.Response protobuf(TestServer s, byte[] body, String... more) {
    return s.post(
        "/v1/traces",
        body,
        TestServer.with(
            new String[] {"Authorization", AUTH, "Content-Type", "application/x-protobuf"}, more));
  }

  private static TestServer.Response json(TestServer s, String body) {
    return s.post(
        "/v1/traces",
        body.getBytes(StandardCharsets.UTF_8),
        "Authorization",
        AUTH,
        "Content-Type",
        "application/json");
  }

  private static Span span(String name, KeyValue... attributes) {
    return Span.newBuilder()
        .setName(name)
        .setTraceId(
            ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
        .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
        .setStartTimeUnixNano(System.currentTimeMillis() * 1_000_000L)
        .addAllAttributes(Arrays.asList(attributes))
        .build();
  }

  private static byte[] request(Span... spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(Arrays.asList(spans))))
        .build()
        .toByteArray();
  }

  private static KeyValue attr(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  @Test
  void undecodableBodiesAre400WithAStatusAndNothingIsStored() {
    try (TestServer s = TestServer.start(data)) {
      byte[] valid = request(span("job.run"));
      // Truncated protobuf, garbage, a wrong wire type for a known field.
      for (byte[] bad :
          new byte[][] {
            Arrays.copyOf(valid, valid.length - 5),
            "this is not protobuf at all".getBytes(StandardCharsets.UTF_8),
            new byte[] {0x0d, 1, 2, 3, 4}, // field 1 (resource_spans) as fixed32
            new byte[] {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f},
          }) {
        TestServer.Response r = protobuf(s, bad);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.header("Content-Type")).isEqualTo("application/x-protobuf");
        assertThat(r.body()).contains("not a valid OTLP protobuf message");
      }
      // AnyValue nested past protobuf's recursion limit: refused whole.
      AnyValue deep = AnyValue.newBuilder().setStringValue("leaf").build();
      for (int i = 0; i < 40; i++) {
        deep =
            AnyValue.newBuilder()
                .setKvlistValue(KeyValueList.newBuilder().addValues(attr("k", deep)))
                .build();
      }
      TestServer.Response tooDeep = protobuf(s, request(span("deep", attr("deep", deep))));
      assertThat(tooDeep.status()).isEqualTo(400);
      assertThat(tooDeep.body()).contains("nesting");
      // JSON: not JSON, base64 where OTLP JSON has hex, a wrong shape.
      for (String bad :
          new String[] {
            "{\"resourceSpans\": [",
            "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"AQIDBAUGBwgJCgsMDQ4PEA==\",\"name\":\"x\"}]}]}]}",
            "{\"resourceSpans\":{\"not\":\"a list\"}}",
            "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"soon\"}]}]}]}",
          }) {
        TestServer.Response r = json(s, bad);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().path("code").asInt()).isEqualTo(3);
        assertThat(r.json().path("message").asText()).isNotBlank();
      }
      assertThat(s.server.store().count("acme")).isZero();
      assertThat(s.get("/readyz", null).status()).isEqualTo(200);
    }
  }

  @Test
  void wrongTypesMethodsKeysAndSizesAreRefusedAsOtlpSays() {
    try (TestServer s = TestServer.start(data)) {
      byte[] valid = request(span("job.run"));
      TestServer.Response type =
          s.post("/v1/traces", valid, "Authorization", AUTH, "Content-Type", "text/plain");
      assertThat(type.status()).isEqualTo(415);
      assertThat(s.get("/v1/traces", AUTH).status()).isEqualTo(405);
      TestServer.Response noKey =
          s.post("/v1/traces", valid, "Content-Type", "application/x-protobuf");
      assertThat(noKey.status()).isEqualTo(401);
      assertThat(noKey.body()).contains("Bearer");
      TestServer.Response wrongKey =
          s.post(
              "/v1/logs",
              "{}".getBytes(StandardCharsets.UTF_8),
              "Authorization",
              "Bearer wk_not_a_key_at_all",
              "Content-Type",
              "application/json");
      assertThat(wrongKey.status()).isEqualTo(401);
      assertThat(wrongKey.json().path("code").asInt()).isEqualTo(16);
      // 100 k spans in one request: refused whole, before anything is translated.
      Span[] many = new Span[100_000];
      Arrays.fill(many, Span.newBuilder().setName("s").build());
      TestServer.Response tooMany =
          protobuf(s, TestServer.gzip(request(many)), "Content-Encoding", "gzip");
      assertThat(tooMany.status()).as(tooMany.body()).isEqualTo(413);
      // A gzip bomb: cut off at the limit.
      TestServer.Response bomb =
          protobuf(s, TestServer.gzip(new byte[50 * 1024 * 1024]), "Content-Encoding", "gzip");
      assertThat(bomb.status()).isEqualTo(413);
      TestServer.Response notGzip = protobuf(s, valid, "Content-Encoding", "gzip");
      assertThat(notGzip.status()).isEqualTo(400);
      assertThat(s.server.store().count("acme")).isZero();
      // An empty request is a success with nothing in it, in JSON too.
      assertThat(protobuf(s, new byte[0]).status()).isEqualTo(200);
      TestServer.Response empty = json(s, "{}");
      assertThat(empty.status()).isEqualTo(200);
      assertThat(empty.body()).isEqualTo("{}");
    }
  }

  @Test
  void refusedRecordsAreAPartialSuccessAndTheOthersAreStored() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      AnyValue deep = AnyValue.newBuilder().setStringValue("leaf").build();
      for (int i = 0; i < 20; i++) {
        deep =
            AnyValue.newBuilder()
                .setKvlistValue(KeyValueList.newBuilder().addValues(attr("k", deep)))
                .build();
      }
      Span nested =
          span("nested", attr("deep", deep)).toBuilder()
              .setSpanId(ByteString.copyFrom(new byte[] {9, 9, 9, 9, 9, 9, 9, 9}))
              .build();
      Span huge =
          span(
                  "huge",
                  attr("blob", AnyValue.newBuilder().setStringValue("x".repeat(200_000)).build()))
              .toBuilder()
              .setSpanId(ByteString.copyFrom(new byte[] {8, 8, 8, 8, 8, 8, 8, 8}))
              .build();
      Span werfBroken =
          span(
                  "telemetry.werf.io",
                  attr("eventType", AnyValue.newBuilder().setStringValue("CommandExited").build()),
                  attr("executionID", AnyValue.newBuilder().setStringValue("e-1").build()),
                  attr("eventData", AnyValue.newBuilder().setStringValue("{not json").build()))
              .toBuilder()
              .setSpanId(ByteString.copyFrom(new byte[] {7, 7, 7, 7, 7, 7, 7, 7}))
              .build();
      TestServer.Response r = protobuf(s, request(span("fine"), nested, huge, werfBroken));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      ExportTraceServiceResponse answer =
          ExportTraceServiceResponse.parseFrom(
              r.raw().body().toString().getBytes(StandardCharsets.ISO_8859_1));
      assertThat(answer.getPartialSuccess().getRejectedSpans()).isEqualTo(3);
      assertThat(answer.getPartialSuccess().getErrorMessage()).contains("refused");
      assertThat(s.server.store().count("acme")).isEqualTo(1);
      assertThat(s.server.store().quarantined("acme", 10)).hasSize(3);
    }
  }
}
