package dev.beacon.server.ingest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A sender's key for rate limits on endpoints that take no credentials: a keyed hash (HMAC-SHA256
 * with a secret made at start and never written anywhere) of the client's address, cut to 64 bits.
 * The address itself is never kept, logged or stored, and the key means nothing after a restart.
 */
public final class SourceKeys {
  private final SecretKeySpec secret;

  public SourceKeys() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    this.secret = new SecretKeySpec(k, "HmacSHA256");
  }

  public String of(String address) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(secret);
      byte[] h = mac.doFinal(String.valueOf(address).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no HmacSHA256", e);
    }
  }
}
