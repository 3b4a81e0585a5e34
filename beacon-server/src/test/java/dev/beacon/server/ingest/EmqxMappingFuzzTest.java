package dev.beacon.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.server.Refusal;
import dev.beacon.server.storage.StoredEvent;
import java.nio.charset.Charset;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Fuzzes the EMQX mapping (issue 10): a report in any encoding is stored as UTF-8 JSON that parses,
 * with a UUID for its node, or refused with a reason; never anything else.
 */
class EmqxMappingFuzzTest {
  private static final List<String> KEYS =
      List.of(
          "uuid",
          "cluster_uuid",
          "emqx_version",
          "os_name",
          "vm_specs",
          "num_cpus",
          "total_memory",
          "features",
          "active_plugins",
          "build_info",
          "arch",
          "otp_version",
          "x[",
          "a.b",
          "");
  private static final List<String> CHARSETS =
      List.of("UTF-8", "UTF-16LE", "UTF-16BE", "UTF-32LE", "ISO-8859-1");

  @FuzzTest(maxDuration = "10s")
  void aReportIsStoredAsUtf8JsonOrRefusedWithAReason(FuzzedDataProvider data) throws Exception {
    byte[] body;
    if (data.consumeBoolean()) {
      body = data.consumeRemainingAsBytes();
    } else {
      ObjectNode report = FuzzedJson.object(data, KEYS, 3);
      if (data.consumeBoolean()) {
        report.put("uuid", new UUID(data.consumeLong(), data.consumeLong()).toString());
      }
      body =
          IngestMappingFuzzTest.PLAIN
              .writeValueAsString(report)
              .getBytes(Charset.forName(data.pickValue(CHARSETS)));
    }
    JsonNode report;
    try {
      report = IngestMappingFuzzTest.JSON.read(body);
    } catch (Refusal refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    try {
      StoredEvent e = IngestMappingFuzzTest.MAPPER.emqx("emqx", report, body, Instant.now());
      JsonNode stored = IngestMappingFuzzTest.PLAIN.readTree(e.properties());
      assertThat(stored.isObject()).isTrue();
      assertThat(e.installationId())
          .matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
      assertThat(e.messageId()).hasSize(36);
    } catch (InvalidEvent refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }
}
