package dev.beacon.sdk.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class JsonReaderTest {
  @Test
  void theJsonReaderIsStrict() {
    assertThat(JsonReader.parse("{\"a\":[1,2.5,\"x\\u00e9\",true,null]}").toString())
        .isEqualTo("{a=[1, 2.5, xé, true, null]}");
    for (String bad : List.of("{", "[1,]", "{\"a\":1} x", "nul", "\"\u0001\"", "[".repeat(100))) {
      assertThatThrownBy(() -> JsonReader.parse(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
