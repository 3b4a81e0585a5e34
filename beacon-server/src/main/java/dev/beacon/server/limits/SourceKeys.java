package dev.beacon.server.limits;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A client's key for limits on requests that carry no credentials (logins, EMQX reports): a keyed
 * hash (HMAC-SHA256 under a secret made at start and never written anywhere) of its address, an
 * IPv6 one by its /64 (which one host usually has whole), cut to 128 bits. The address itself is
 * never kept, logged or stored, and a key means nothing after a restart.
 */
public final class SourceKeys {
  private final SecretKeySpec secret;

  public SourceKeys() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    this.secret = new SecretKeySpec(k, "HmacSHA256");
  }

  public String of(InetAddress address) {
    byte[] bytes = address == null ? new byte[0] : address.getAddress();
    if (address instanceof Inet6Address) {
      bytes = Arrays.copyOf(bytes, 8);
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(secret);
      return Base64.getEncoder().encodeToString(Arrays.copyOf(mac.doFinal(bytes), 16));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no HmacSHA256", e);
    }
  }
}
