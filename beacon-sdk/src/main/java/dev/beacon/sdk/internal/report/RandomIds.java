package dev.beacon.sdk.internal.report;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random (version 4) UUIDs for ids that must be unique, not secret: message ids and a command's
 * execution id. Not {@link UUID#randomUUID()}: its SecureRandom costs a fresh JVM ~15-40 ms to set
 * up (security providers, the entropy source), on a command-line product's exit (issue 20). {@link
 * ThreadLocalRandom} draws each thread's 64-bit seed from the clock's milliseconds and nanoseconds,
 * so two processes share a sequence only if they start within the same nanosecond; the installation
 * id, made once and kept, still comes from SecureRandom.
 */
public final class RandomIds {
  private RandomIds() {}

  /** A version 4, variant 2 UUID with 122 random bits. */
  public static UUID v4() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
    long lo = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    return new UUID(hi, lo);
  }
}
