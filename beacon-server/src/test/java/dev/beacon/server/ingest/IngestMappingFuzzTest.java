package dev.beacon.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.server.Refusal;
import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.storage.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the Segment mapping (issue 10): any body is parsed and mapped, or refused with a reason;
 * what is kept is valid JSON within the limits, with an allow-listed context and typed numbers.
 */
class IngestMappingFuzzTest {
  static final ServerConfig CONFIG =
      ConfigLoader.load(null, Map.of(), Map.of("data_dir", "target/fuzz-data"));
  static final JsonReader JSON = new JsonReader(CONFIG.limits());
  static final ObjectMapper PLAIN = new ObjectMapper();
  static final EventMapper MAPPER =
      new EventMapper(JSON.mapper(), CONFIG.limits().maxEventBytes(), () -> 400);
  static final List<String> KEYS =
      List.of(
          "type",
          "event",
          "anonymousId",
          "messageId",
          "timestamp",
          "properties",
          "context",
          "vm_specs",
          "num_cpus",
          "total_memory",
          "eventData",
          "durationMs",
          "exitCode",
          "health-unit-a-unhealthy",
          "features",
          "app",
          "version",
          "library",
          "device",
          "ip",
          "userAgent",
          "clusterId",
          "writeKey",
          "batch",
          "x[",
          "a.b",
          "");

  @FuzzTest(maxDuration = "10s")
  void aSegmentBatchIsMappedOrRefusedWithAReason(FuzzedDataProvider data) throws Exception {
    boolean raw = data.consumeBoolean();
    byte[] body;
    if (raw) {
      body = data.consumeRemainingAsBytes();
    } else {
      ObjectNode batch = PLAIN.createObjectNode();
      ArrayNode items = batch.putArray("batch");
      for (int i = data.consumeInt(1, 4); i > 0; i--) {
        ObjectNode e = FuzzedJson.object(data, KEYS, 3);
        if (data.consumeBoolean()) {
          e.put("type", data.pickValue(List.of("track", "report", "identify", "page")));
          e.put("anonymousId", "a" + data.consumeInt());
          e.put("event", data.pickValue(List.of("CommandExited", "health", "report", "x")));
        }
        items.add(e);
      }
      if (data.consumeBoolean()) {
        batch.set("context", FuzzedJson.object(data, KEYS, 2));
      }
      body = PLAIN.writeValueAsBytes(batch);
    }
    JsonNode node;
    try {
      node = JSON.read(body);
    } catch (Refusal refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    EventMapper.BatchContext context;
    try {
      context = MAPPER.batchContext(node.get("context"), IngestService.MAX_BATCH_CONTEXT_BYTES);
    } catch (InvalidEvent refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    JsonNode batch = node.path("batch");
    for (JsonNode item : batch.isArray() ? batch : List.of(node)) {
      try {
        check(MAPPER.segment("acme", item, context, null, Instant.now()));
      } catch (InvalidEvent refused) {
        assertThat(refused.getMessage()).isNotBlank();
      }
    }
  }

  static void check(StoredEvent e) throws Exception {
    JsonNode props = PLAIN.readTree(e.properties());
    JsonNode ctx = PLAIN.readTree(e.context());
    assertThat(props.isObject()).isTrue();
    assertThat(ctx.isObject()).isTrue();
    assertThat(
            e.properties().getBytes(StandardCharsets.UTF_8).length
                + e.context().getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(CONFIG.limits().maxEventBytes());
    ctx.fieldNames().forEachRemaining(k -> assertThat(EventMapper.CONTEXT_FIELDS).containsKey(k));
    assertThat(e.messageId()).isNotBlank().hasSizeLessThanOrEqualTo(128);
    assertThat(e.installationId()).isNotBlank();
    assertThat(e.timestamp()).isAfterOrEqualTo(EventMapper.EARLIEST);
    for (String path : List.of("/vm_specs/num_cpus", "/vm_specs/total_memory")) {
      JsonNode n = props.at(path);
      if (e.type().equals("report") && !n.isMissingNode() && !n.isNull()) {
        assertThat(n.isIntegralNumber()).as(path + " typed: " + n).isTrue();
      }
    }
  }
}
