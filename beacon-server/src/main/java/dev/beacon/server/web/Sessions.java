package dev.beacon.server.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Admin sessions of the dashboard: a random token in an HttpOnly, SameSite=Strict cookie, and a
 * second random token for CSRF that the page sends back in a header on every state-changing
 * request. In memory only (a restart logs everyone out). A session ends {@code lifetime} after its
 * login however busy it is (a stolen cookie does not live for ever), or {@code idle} after its last
 * request; at most 1000 at once, the oldest login dropped first.
 */
final class Sessions {
  static final String COOKIE = "beacon_session";
  private static final int MAX = 1000;

  /** Deadlines in {@link System#nanoTime()} terms: compare by subtraction. */
  record Session(String csrf, long idleUntilNanos, long endsAtNanos) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final long lifetimeNanos;
  private final long idleNanos;
  private final LongSupplier nanoTime;

  Sessions(Duration lifetime, Duration idle, LongSupplier nanoTime) {
    this.lifetimeNanos = lifetime.toNanos();
    this.idleNanos = Math.min(idle.toNanos(), lifetimeNanos);
    this.nanoTime = nanoTime;
  }

  /** The cookie's Max-Age: the server never honours a session longer than this. */
  long cookieMaxAgeSeconds() {
    return lifetimeNanos / 1_000_000_000L;
  }

  /** A new session: its cookie token and its CSRF token. */
  String[] open() {
    if (sessions.size() >= MAX) {
      Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator();
      String oldest = null;
      long oldestEnd = 0;
      while (it.hasNext()) {
        Map.Entry<String, Session> e = it.next();
        if (oldest == null || e.getValue().endsAtNanos() - oldestEnd < 0) {
          oldestEnd = e.getValue().endsAtNanos();
          oldest = e.getKey();
        }
      }
      if (oldest != null) {
        sessions.remove(oldest);
      }
    }
    String token = token();
    String csrf = token();
    long now = nanoTime.getAsLong();
    sessions.put(token, new Session(csrf, now + idleNanos, now + lifetimeNanos));
    return new String[] {token, csrf};
  }

  /** The live session of a cookie token (its idle time starts again, up to its end), or null. */
  Session find(String token) {
    if (token == null) {
      return null;
    }
    Session s = sessions.get(token);
    long now = nanoTime.getAsLong();
    if (s == null || s.idleUntilNanos() - now < 0 || s.endsAtNanos() - now < 0) {
      sessions.remove(token);
      return null;
    }
    long idleUntil = now + idleNanos;
    if (s.endsAtNanos() - idleUntil < 0) {
      idleUntil = s.endsAtNanos();
    }
    Session renewed = new Session(s.csrf(), idleUntil, s.endsAtNanos());
    sessions.put(token, renewed);
    return renewed;
  }

  void close(String token) {
    if (token != null) {
      sessions.remove(token);
    }
  }

  static boolean csrfMatches(Session s, String header) {
    return header != null
        && MessageDigest.isEqual(
            s.csrf().getBytes(StandardCharsets.UTF_8), header.getBytes(StandardCharsets.UTF_8));
  }

  /** The session token of a Cookie header, or null. */
  static String fromCookieHeader(String cookies) {
    if (cookies == null) {
      return null;
    }
    for (String part : cookies.split(";", -1)) {
      String p = part.strip();
      if (p.startsWith(COOKIE + "=")) {
        return p.substring(COOKIE.length() + 1);
      }
    }
    return null;
  }

  private String token() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
