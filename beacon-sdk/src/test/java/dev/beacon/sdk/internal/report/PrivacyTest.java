package dev.beacon.sdk.internal.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.TestCollector;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report of this very machine names neither the machine nor its user. */
class PrivacyTest {
  @Test
  void thePreviewOfThisMachineHoldsNoHostnameAddressOrUserName(@TempDir Path tmp) throws Exception {
    Path state = tmp.resolve("state");
    Beacon beacon =
        Beacon.builder("acme")
            .version("1.0.0")
            .stateDirectory(state)
            .registerMBean(false)
            .section("plain", () -> Map.of("workers", 4))
            .build();
    String preview = beacon.control().preview();
    beacon.close();

    List<String> strings = new ArrayList<>();
    collectStrings(TestCollector.JSON.readTree(preview), strings);
    assertThat(strings).isNotEmpty();

    List<String> identifying = new ArrayList<>();
    identifying.add(Redactor.hostname(System.getenv()));
    identifying.add(InetAddress.getLocalHost().getHostName());
    identifying.add(System.getProperty("user.name"));
    identifying.addAll(Redactor.addresses());
    for (String secret : identifying) {
      String s = secret.toLowerCase(Locale.ROOT);
      for (String value : strings) {
        String v = value.toLowerCase(Locale.ROOT);
        assertThat(v).as("a report string equal to " + secret).isNotEqualTo(s);
        if (s.length() >= 4) {
          // Long enough to be told apart from ordinary words: not even as a part of a value.
          assertThat(v).as("a report string containing " + secret).doesNotContain(s);
        }
      }
    }
    for (String value : strings) {
      assertThat(value)
          .doesNotContain(System.getProperty("user.home") + "/")
          .doesNotContain(System.getProperty("user.dir"));
    }
    assertThat(state).as("preview writes nothing").doesNotExist();
    assertThat(TestCollector.JSON.readTree(preview).at("/batch/0/type").asText())
        .isEqualTo("report");
  }

  /** Every key and string value of a JSON tree. */
  private static void collectStrings(JsonNode node, List<String> out) {
    if (node.isTextual()) {
      out.add(node.asText());
    } else if (node.isObject()) {
      node.properties()
          .forEach(
              e -> {
                out.add(e.getKey());
                collectStrings(e.getValue(), out);
              });
    } else if (node.isArray()) {
      node.forEach(n -> collectStrings(n, out));
    }
  }
}
