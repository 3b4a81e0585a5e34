package dev.beacon.server.storage;

import java.security.SecureRandom;

/**
 * SipHash-2-4 with its 128-bit tag (Aumasson and Bernstein): a keyed hash, so that no client can
 * aim two message ids at one tag without the key. Text is hashed as its UTF-16 code units, two
 * bytes each, little-endian (no copy to bytes). Not thread-safe: one per thread ({@link #another}).
 */
final class SipHash {
  private final long k0;
  private final long k1;
  private long v0;
  private long v1;
  private long v2;
  private long v3;
  private long high;

  SipHash(long k0, long k1) {
    this.k0 = k0;
    this.k1 = k1;
  }

  /** A key of this process's own: the tags are never stored, so it needs to outlive nothing. */
  static SipHash withRandomKey() {
    SecureRandom r = new SecureRandom();
    return new SipHash(r.nextLong(), r.nextLong());
  }

  /** One more with the same key, for another thread. */
  SipHash another() {
    return new SipHash(k0, k1);
  }

  /** The tag's first 64 bits; {@link #high()} has the other 64 of the same call. */
  long hash(CharSequence text) {
    start();
    int n = text.length();
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      compress(
          text.charAt(i)
              | (long) text.charAt(i + 1) << 16
              | (long) text.charAt(i + 2) << 32
              | (long) text.charAt(i + 3) << 48);
    }
    long last = (2L * n) << 56; // the length in bytes: only its low 8 bits count
    for (int shift = 0; i < n; i++, shift += 16) {
      last |= (long) text.charAt(i) << shift;
    }
    return finish(last);
  }

  /** The tag's first 64 bits over bytes, as the reference implementation reads them. */
  long hash(byte[] data) {
    start();
    int n = data.length;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      long m = 0;
      for (int b = 7; b >= 0; b--) {
        m = m << 8 | (data[i + b] & 0xffL);
      }
      compress(m);
    }
    long last = (long) n << 56;
    for (int shift = 0; i < n; i++, shift += 8) {
      last |= (data[i] & 0xffL) << shift;
    }
    return finish(last);
  }

  /** The tag's last 64 bits, of the latest {@code hash} call. */
  long high() {
    return high;
  }

  private void start() {
    v0 = k0 ^ 0x736f6d6570736575L;
    v1 = k1 ^ 0x646f72616e646f6dL ^ 0xee; // 0xee: the 128-bit variant
    v2 = k0 ^ 0x6c7967656e657261L;
    v3 = k1 ^ 0x7465646279746573L;
  }

  private void compress(long m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }

  private long finish(long last) {
    compress(last);
    v2 ^= 0xee;
    round();
    round();
    round();
    round();
    long low = v0 ^ v1 ^ v2 ^ v3;
    v1 ^= 0xdd;
    round();
    round();
    round();
    round();
    high = v0 ^ v1 ^ v2 ^ v3;
    return low;
  }

  private void round() {
    v0 += v1;
    v1 = Long.rotateLeft(v1, 13) ^ v0;
    v0 = Long.rotateLeft(v0, 32);
    v2 += v3;
    v3 = Long.rotateLeft(v3, 16) ^ v2;
    v0 += v3;
    v3 = Long.rotateLeft(v3, 21) ^ v0;
    v2 += v1;
    v1 = Long.rotateLeft(v1, 17) ^ v2;
    v2 = Long.rotateLeft(v2, 32);
  }
}
