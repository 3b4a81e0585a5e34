package dev.beacon.sdk;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Last line of defence for privacy: a string in a report that contains this machine's hostname, one
 * of its IP addresses, the user's name or home folder is replaced by {@value #REDACTED}. The
 * built-in sections never hold them; this catches a product section that does by mistake.
 */
final class Redactor implements UnaryOperator<String> {
  static final String REDACTED = "[redacted]";

  private final List<String> needles;
  private final Pattern userName;

  Redactor(List<String> needles, String userName) {
    this.needles = needles;
    this.userName =
        userName == null || userName.length() < 3
            ? null
            : Pattern.compile(
                "(?<![\\p{Alnum}_])" + Pattern.quote(userName) + "(?![\\p{Alnum}_])",
                Pattern.CASE_INSENSITIVE);
  }

  /** Reads this machine's identifying values once. Never does a DNS lookup. */
  static Redactor forThisMachine(Map<String, String> env, Properties sys) {
    List<String> needles = new ArrayList<>();
    addIfLong(needles, hostname(env));
    addIfLong(needles, sys.getProperty("user.home"));
    for (String ip : addresses()) {
      addIfLong(needles, ip);
    }
    return new Redactor(Collections.unmodifiableList(needles), sys.getProperty("user.name"));
  }

  @Override
  public String apply(String s) {
    if (s.length() < 3) {
      return s;
    }
    String lower = s.toLowerCase(Locale.ROOT);
    for (String needle : needles) {
      if (lower.contains(needle)) {
        return REDACTED;
      }
    }
    if (userName != null && userName.matcher(s).find()) {
      return REDACTED;
    }
    return s;
  }

  static String hostname(Map<String, String> env) {
    try {
      String kernel =
          Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
      if (!kernel.isEmpty()) {
        return kernel;
      }
    } catch (Exception absent) {
      // not Linux: fall through to the environment
    }
    String h = env.get("HOSTNAME");
    return h != null ? h : env.get("COMPUTERNAME");
  }

  static List<String> addresses() {
    List<String> result = new ArrayList<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
          if (!a.isLoopbackAddress()) {
            String text = a.getHostAddress();
            int zone = text.indexOf('%');
            result.add(zone > 0 ? text.substring(0, zone) : text);
          }
        }
      }
    } catch (Exception unavailable) {
      // no interfaces to read: nothing to hide
    }
    return result;
  }

  private static void addIfLong(List<String> needles, String value) {
    if (value != null && value.strip().length() >= 3) {
      needles.add(value.strip().toLowerCase(Locale.ROOT));
    }
  }
}
