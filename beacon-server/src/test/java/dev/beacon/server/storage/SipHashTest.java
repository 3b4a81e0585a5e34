package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SipHashTest {
  /** The reference key 00..0f, as the reference implementation reads it. */
  private static final SipHash REFERENCE = new SipHash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

  /** vectors_sip128 of the reference implementation (veorq/SipHash vectors.h): 00..len-1. */
  @Test
  void matchesTheReferenceVectors() {
    String[] expected = {
      "a3817f04ba25a8e66df67214c7550293",
      "da87c1d86b99af44347659119b22fc45",
      "8177228da4a45dc7fca38bdef60affe4",
      "9c70b60c5267a94e5f33b6b02985ed51",
      "f88164c12d9c8faf7d0f6e7c7bcd5579",
      "1368875980776f8854527a07690e9627",
      "14eeca338b208613485ea0308fd7a15e",
      "a1f1ebbed8dbc153c0b84aa61ff08239",
      "3b62a9ba6258f5610f83e264f31497b4",
      "264499060ad9baabc47f8b02bb6d71ed",
    };
    for (int len = 0; len < expected.length; len++) {
      byte[] in = new byte[len];
      for (int i = 0; i < len; i++) {
        in[i] = (byte) i;
      }
      long lo = REFERENCE.hash(in);
      assertThat(littleEndian(lo, REFERENCE.high())).as("length " + len).isEqualTo(expected[len]);
    }
  }

  /** Text is its UTF-16 code units, two bytes each, little-endian: the same tag as those bytes. */
  @Test
  void textHashesAsItsCodeUnitsInLittleEndian() {
    for (String s :
        new String[] {"", "a", "ab", "abc", "abcd", "abcde", "550e8400-e29b-41d4", "é☃😀"}) {
      byte[] units = new byte[2 * s.length()];
      for (int i = 0; i < s.length(); i++) {
        units[2 * i] = (byte) s.charAt(i);
        units[2 * i + 1] = (byte) (s.charAt(i) >>> 8);
      }
      long lo = REFERENCE.hash(units);
      long hi = REFERENCE.high();
      assertThat(REFERENCE.hash(s)).as(s).isEqualTo(lo);
      assertThat(REFERENCE.high()).as(s).isEqualTo(hi);
    }
  }

  @Test
  void anotherKeyGivesAnotherTag() {
    SipHash other = new SipHash(1, 2);
    assertThat(other.hash("id-1")).isNotEqualTo(REFERENCE.hash("id-1"));
  }

  private static String littleEndian(long lo, long hi) {
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (lo >>> (8 * i));
      b[8 + i] = (byte) (hi >>> (8 * i));
    }
    return HexFormat.of().formatHex(b);
  }
}
