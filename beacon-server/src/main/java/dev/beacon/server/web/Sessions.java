package dev.beacon.server.web;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Admin sessions of the dashboard: a random token in an HttpOnly, SameSite=Strict cookie, and a
 * second random token for CSRF that the page sends back in a header on every state-changing
 * request. In memory only (a restart logs everyone out); idle sessions end after 8 hours; at most
 * 1000 at once, the oldest dropped first.
 */
final class Sessions {
  static final String COOKIE = "beacon_session";
  static final Duration IDLE = Duration.ofHours(8);
  private static final int MAX = 1000;

  record Session(String csrf, long expiresAtNanos) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  /** A new session: its cookie token and its CSRF token. */
  String[] open() {
    if (sessions.size() >= MAX) {
      Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator();
      String oldest = null;
      long oldestAt = Long.MAX_VALUE;
      while (it.hasNext()) {
        Map.Entry<String, Session> e = it.next();
        if (e.getValue().expiresAtNanos() < oldestAt) {
          oldestAt = e.getValue().expiresAtNanos();
          oldest = e.getKey();
        }
      }
      if (oldest != null) {
        sessions.remove(oldest);
      }
    }
    String token = token();
    String csrf = token();
    sessions.put(token, new Session(csrf, System.nanoTime() + IDLE.toNanos()));
    return new String[] {token, csrf};
  }

  /** The live session of a cookie token (its idle time starts again), or null. */
  Session find(String token) {
    if (token == null) {
      return null;
    }
    Session s = sessions.get(token);
    long now = System.nanoTime();
    if (s == null || s.expiresAtNanos() - now < 0) {
      sessions.remove(token);
      return null;
    }
    Session renewed = new Session(s.csrf(), now + IDLE.toNanos());
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
            s.csrf().getBytes(java.nio.charset.StandardCharsets.UTF_8),
            header.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The session token of a Cookie header, or null. */
  static String fromCookieHeader(String cookies) {
    if (cookies == null) {
      return null;
    }
    for (String part : cookies.split(";")) {
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
