package dev.beacon.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The jar tells an IDE every beacon.* property, with its type, default and description. */
class ConfigurationMetadataTest {
  @Test
  void everyPropertyIsDescribedForTheIde() throws Exception {
    JsonNode metadata;
    try (InputStream in =
        getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("spring-configuration-metadata.json").isNotNull();
      metadata = new ObjectMapper().readTree(in);
    }
    List<String> names = new ArrayList<>();
    for (JsonNode p : metadata.get("properties")) {
      String name = p.get("name").asText();
      names.add(name);
      if (name.startsWith("beacon.")) {
        assertThat(p.path("description").asText()).as(name).isNotBlank();
        assertThat(p.path("type").asText()).as(name).isNotBlank();
      }
    }
    assertThat(names)
        .contains(
            "beacon.enabled",
            "beacon.product",
            "beacon.endpoint",
            "beacon.write-key",
            "beacon.state-directory",
            "beacon.mode",
            "beacon.report-interval",
            "beacon.meters.names",
            "beacon.meters.tags");
  }
}
