package dev.beacon.sdk.internal.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RandomIdsTest {
  @Test
  void idsAreVersionFourUuidsThatDoNotRepeat() {
    Set<UUID> seen = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      UUID id = RandomIds.v4();
      assertThat(id.version()).isEqualTo(4);
      assertThat(id.variant()).isEqualTo(2);
      assertThat(UUID.fromString(id.toString())).isEqualTo(id);
      seen.add(id);
    }
    assertThat(seen).hasSize(100_000);
  }
}
