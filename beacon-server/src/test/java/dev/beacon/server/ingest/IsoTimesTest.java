package dev.beacon.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast reading of ISO-8601 times accepts exactly what java.time accepts, as the same instant.
 */
class IsoTimesTest {
  @Test
  void knownTextsAreReadAsJavaTimeReadsThem() {
    for (String s :
        List.of(
            "2026-12-02T10:00:00Z",
            "2026-12-02T10:00:00.1Z",
            "2026-12-02T10:00:00.123456789Z",
            "2026-12-02T10:00:00.123+01:00",
            "2026-12-02T23:59:59-18:00",
            "2024-02-29T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-12-02T24:00:00Z",
            "2026-12-02T10:60:00Z",
            "2026-12-02T10:00:60Z",
            "2026-13-02T10:00:00Z",
            "2026-12-32T10:00:00Z",
            "2026-12-02T10:00:00.Z",
            "2026-12-02T10:00:00.1234567890Z",
            "2026-12-02T10:00:00+18:30",
            "2026-12-02T10:00:00+05:30",
            "2026-12-02t10:00:00z",
            "2026-12-02T10:00:00",
            "2026-12-02 10:00:00Z",
            "+12026-12-02T10:00:00Z",
            "2026-12-02T10:00:00+01:00:30",
            "2026-12-02T10:00Z",
            "２０２６-12-02T10:00:00Z",
            "yesterday",
            "")) {
      assertThat(IsoTimes.parse(s)).as(s).isEqualTo(javaTime(s));
    }
  }

  @Test
  void mutatedTextsAreReadAsJavaTimeReadsThem() {
    Random random = new Random(42);
    String alphabet = "0123456789-:T.Z+ z";
    for (int i = 0; i < 200_000; i++) {
      char[] c = "2026-12-02T10:11:12.345+01:00".toCharArray();
      for (int m = random.nextInt(3); m >= 0; m--) {
        c[random.nextInt(c.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
      }
      String s = new String(c, 0, 19 + random.nextInt(c.length - 18));
      assertThat(IsoTimes.parse(s)).as(s).isEqualTo(javaTime(s));
    }
  }

  private static Instant javaTime(String s) {
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException notOffset) {
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException notInstant) {
        return null;
      }
    }
  }
}
