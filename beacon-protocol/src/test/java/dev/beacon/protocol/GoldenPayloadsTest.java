package dev.beacon.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GoldenPayloadsTest {
  @Test
  void everyGoldenPayloadIsPackagedAndIsAJsonObject() {
    for (GoldenPayloads payload : GoldenPayloads.values()) {
      if (!payload.isJson()) {
        assertThat(payload.bytes()).as(payload.name()).hasSizeGreaterThan(100);
        continue;
      }
      String json = payload.json().strip();
      assertThat(json).as(payload.name()).startsWith("{").endsWith("}");
    }
    // gzip's magic
    assertThat(GoldenPayloads.POSTHOG_JS_BATCH_GZIP.bytes()).startsWith(0x1f, 0x8b);
  }

  @Test
  void emqxReportsKeepTheSeedFieldNames() {
    assertThat(GoldenPayloads.EMQX_5_REPORT.json())
        .contains("\"emqx_version\": \"5.0.9\"", "\"vm_specs\"", "\"cluster_uuid\"");
    assertThat(GoldenPayloads.EMQX_4_REPORT.json())
        .contains("\"active_modules\"", "\"edition\": \"community\"");
  }
}
