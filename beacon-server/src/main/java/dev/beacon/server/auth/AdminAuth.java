package dev.beacon.server.auth;

import dev.beacon.server.storage.OwnerOnly;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The admin account ({@code admin}) of the query API. The password comes from {@code
 * BEACON_ADMIN__PASSWORD}, else one is generated on first start and shown once; only its PBKDF2
 * hash (JDK, HMAC-SHA256, 210 000 iterations, random salt) is kept, in {@code
 * <data>/admin-password.hash}. Verified credentials are remembered for a minute, by a digest, so a
 * dashboard does not pay for PBKDF2 on every request.
 */
public final class AdminAuth {
  public static final String USER = "admin";
  private static final int ITERATIONS = 210_000;
  private static final long CACHE_NANOS = 60_000_000_000L;

  private final String storedHash;
  private final String generatedPassword;
  private final ConcurrentHashMap<String, Long> recentlyVerified = new ConcurrentHashMap<>();

  /** PBKDF2 runs for unknown passwords at most this often, so guessing cannot starve ingest. */
  private final Semaphore verifying = new Semaphore(2);

  private AdminAuth(String storedHash, String generatedPassword) {
    this.storedHash = storedHash;
    this.generatedPassword = generatedPassword;
  }

  /**
   * The admin's credentials: the configured password, or else one generated at the first start and
   * kept (hashed) in {@code hashFile}.
   *
   * @param configured the password from the configuration, or null
   * @param hashFile where the hash of a generated password is kept
   */
  public static AdminAuth create(String configured, Path hashFile) throws IOException {
    if (configured != null) {
      return new AdminAuth(hash(configured), null);
    }
    if (Files.isReadable(hashFile)) {
      OwnerOnly.restrict(hashFile); // an older Beacon narrowed it only after writing it
      return new AdminAuth(Files.readString(hashFile, StandardCharsets.UTF_8).strip(), null);
    }
    byte[] random = new byte[15];
    new SecureRandom().nextBytes(random);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    // Created 0600 and moved into place: the hash never exists readable by others, not even
    // briefly.
    OwnerOnly.write(hashFile, hash(password) + "\n");
    return new AdminAuth(Files.readString(hashFile).strip(), password);
  }

  /** The password generated at this start, to be shown once; null when none was. */
  public String generatedPassword() {
    return generatedPassword;
  }

  /** Checks an {@code Authorization: Basic} header. */
  public boolean allows(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(authorization.substring(6).strip()),
              StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notBase64) {
      return false;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0 || !decoded.substring(0, colon).equals(USER)) {
      return false;
    }
    return allowsPassword(decoded.substring(colon + 1));
  }

  /** Checks the admin password itself (the dashboard's login form). */
  public boolean allowsPassword(String password) {
    if (password == null) {
      return false;
    }
    String cacheKey = digest(storedHash + "\u0000" + password);
    Long until = recentlyVerified.get(cacheKey);
    long now = System.nanoTime();
    if (until != null && until - now > 0) {
      return true;
    }
    try {
      if (!verifying.tryAcquire(2, TimeUnit.SECONDS)) {
        throw new TooManyAttempts();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TooManyAttempts();
    }
    boolean ok;
    try {
      ok = verify(password, storedHash);
    } finally {
      verifying.release();
    }
    if (ok) {
      if (recentlyVerified.size() > 1000) {
        recentlyVerified.clear();
      }
      recentlyVerified.put(cacheKey, now + CACHE_NANOS);
    }
    return ok;
  }

  /**
   * Password checks queued for 2 s without a turn: the caller answers 429 and the client retries.
   */
  public static final class TooManyAttempts extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooManyAttempts() {
      super("too many password checks at once", null, false, false);
    }
  }

  static String hash(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return "pbkdf2-sha256$"
        + ITERATIONS
        + "$"
        + Base64.getEncoder().encodeToString(salt)
        + "$"
        + Base64.getEncoder().encodeToString(pbkdf2(password, salt, ITERATIONS));
  }

  static boolean verify(String password, String stored) {
    String[] parts = stored.split("\\$", -1);
    if (parts.length != 4 || !parts[0].equals("pbkdf2-sha256")) {
      return false;
    }
    try {
      byte[] salt = Base64.getDecoder().decode(parts[2]);
      byte[] expected = Base64.getDecoder().decode(parts[3]);
      return MessageDigest.isEqual(expected, pbkdf2(password, salt, Integer.parseInt(parts[1])));
    } catch (IllegalArgumentException corrupt) {
      return false;
    }
  }

  private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
    try {
      PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no PBKDF2WithHmacSHA256", e);
    }
  }

  private static String digest(String s) {
    try {
      return Base64.getEncoder()
          .encodeToString(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
