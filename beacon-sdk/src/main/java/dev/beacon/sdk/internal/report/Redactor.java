package dev.beacon.sdk.internal.report;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Last line of defence for privacy: a string in a report that contains this machine's hostname, one
 * of its IP or MAC addresses, the user's name or home folder is replaced by {@value #REDACTED}. The
 * built-in sections never hold them; this catches a product section that does by mistake.
 *
 * <p>IPv6 and MAC addresses have many spellings ({@code fd00::2}, {@code fd00:0:0:0:0:0:0:2},
 * {@code FD00:0000::0002}; {@code a2:46:e2:c7:84:a2}, {@code A2-46-E2-C7-84-A2}, {@code
 * a246.e2c7.84a2}), so they are not matched as text: every address-shaped token of a string is
 * parsed and its bytes compared with this machine's, zone ids ({@code %eth0}) aside.
 */
public final class Redactor implements UnaryOperator<String> {
  static final String REDACTED = "[redacted]";

  /** Candidates only; {@link #ipv6Bytes} decides. Groups of up to four hex digits, or IPv4 last. */
  private static final Pattern IPV6 =
      Pattern.compile(
          "(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\\d{1,3}(?:\\.\\d{1,3}){3}|[0-9A-Fa-f]{0,4})"
              + "(?:%[0-9A-Za-z_.~-]+)?");

  /**
   * 6 to 20 bytes of one or two hex digits, the same separator throughout (ip, ifconfig, getmac).
   */
  private static final Pattern MAC_SEPARATED =
      Pattern.compile(
          "(?<![0-9A-Fa-f])[0-9A-Fa-f]{1,2}([:-])[0-9A-Fa-f]{1,2}(?:\\1[0-9A-Fa-f]{1,2}){4,18}"
              + "(?![0-9A-Fa-f])");

  /** Cisco's dotted form, {@code a246.e2c7.84a2}. */
  private static final Pattern MAC_DOTTED =
      Pattern.compile("(?<![0-9A-Fa-f.])[0-9A-Fa-f]{4}(?:\\.[0-9A-Fa-f]{4}){2}(?![0-9A-Fa-f])");

  /** How many strings found clean are remembered, by hash (a power of two). */
  private static final int CLEAN_SLOTS = 1024;

  /** Longer strings are checked each time: the values that repeat are short. */
  private static final int CLEAN_MAX_LENGTH = 128;

  private final List<String> needles;
  private final String userName; // lower case, or null

  /**
   * Strings found clean lately, one per slot of its hash: a product's values repeat (a region, a
   * version, a plugin's name), and the checks cost a sending worker at 20,000 events/s about a
   * fifth of its time (issue 20). Threads share it without a lock: a slot holds a whole reference
   * to an immutable string, so a race only costs a check again.
   */
  private final String[] clean = new String[CLEAN_SLOTS];

  private final Set<String> ipv6;
  private final Set<String> macs;

  Redactor(List<String> needles, String userName) {
    this(needles, userName, List.of(), List.of());
  }

  /**
   * @param hardwareAddresses this machine's MAC (and other link-layer) addresses
   * @param ipv6Addresses this machine's IPv6 addresses, 16 bytes each
   */
  Redactor(
      List<String> needles,
      String userName,
      Collection<byte[]> hardwareAddresses,
      Collection<byte[]> ipv6Addresses) {
    this.needles = needles;
    this.userName =
        userName == null || userName.length() < 3 ? null : userName.toLowerCase(Locale.ROOT);
    this.ipv6 = hexSet(ipv6Addresses);
    this.macs = hexSet(hardwareAddresses);
  }

  /** Reads this machine's identifying values once. Never does a DNS lookup. */
  static Redactor forThisMachine(Map<String, String> env, Properties sys) {
    List<String> needles = new ArrayList<>();
    addIfLong(needles, hostname(env));
    addIfLong(needles, sys.getProperty("user.home"));
    List<byte[]> hardware = new ArrayList<>();
    List<byte[]> ipv6 = new ArrayList<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        hardware.add(hardwareAddress(ni));
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
          if (a.isLoopbackAddress()) {
            continue;
          }
          if (a instanceof Inet6Address) {
            ipv6.add(a.getAddress());
          } else {
            addIfLong(needles, a.getHostAddress());
          }
        }
      }
    } catch (Exception unavailable) {
      // no interfaces to read: nothing to hide
    }
    return new Redactor(
        Collections.unmodifiableList(needles), sys.getProperty("user.name"), hardware, ipv6);
  }

  @Override
  public String apply(String s) {
    if (s.length() < 3) {
      return s;
    }
    int slot = s.length() <= CLEAN_MAX_LENGTH ? s.hashCode() & (CLEAN_SLOTS - 1) : -1;
    if (slot >= 0 && s.equals(clean[slot])) {
      return s;
    }
    String lower = s.toLowerCase(Locale.ROOT);
    for (String needle : needles) {
      if (lower.contains(needle)) {
        return REDACTED;
      }
    }
    if (userName != null && holdsWord(lower, userName)) {
      return REDACTED;
    }
    if ((!ipv6.isEmpty() || !macs.isEmpty()) && holdsAnAddress(s)) {
      return REDACTED;
    }
    if (slot >= 0) {
      clean[slot] = s;
    }
    return s;
  }

  /** Whether {@code word} is in {@code text} with no ASCII letter, digit or {@code _} beside it. */
  static boolean holdsWord(String text, String word) {
    for (int at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
      if (!wordChar(text, at - 1) && !wordChar(text, at + word.length())) {
        return true;
      }
    }
    return false;
  }

  private static boolean wordChar(String text, int i) {
    if (i < 0 || i >= text.length()) {
      return false;
    }
    char c = text.charAt(i);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  private boolean holdsAnAddress(String s) {
    boolean colon = s.indexOf(':') >= 0;
    if (colon && !ipv6.isEmpty()) {
      // A candidate that is no address ("addr:fd00::2" matches from its colon) is tried again one
      // char later, so the address inside it is still found.
      Matcher m = IPV6.matcher(s);
      for (int from = 0; from < s.length() && m.find(from); from = m.start() + 1) {
        byte[] b = ipv6Bytes(m.group());
        if (b != null && ipv6.contains(hex(b))) {
          return true;
        }
      }
    }
    if (macs.isEmpty()) {
      return false;
    }
    if (colon || s.indexOf('-') >= 0) {
      for (Matcher m = MAC_SEPARATED.matcher(s); m.find(); ) {
        StringBuilder key = new StringBuilder();
        for (String group : m.group().split("[:-]", -1)) {
          key.append(group.length() == 1 ? "0" : "").append(group.toLowerCase(Locale.ROOT));
        }
        if (holdsMac(key.toString())) {
          return true;
        }
      }
    }
    if (s.indexOf('.') >= 0) {
      for (Matcher m = MAC_DOTTED.matcher(s); m.find(); ) {
        if (holdsMac(m.group().replace(".", "").toLowerCase(Locale.ROOT))) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether one of this machine's MACs is in these hex bytes, on a byte boundary. */
  private boolean holdsMac(String hexBytes) {
    for (String mac : macs) {
      for (int at = hexBytes.indexOf(mac); at >= 0; at = hexBytes.indexOf(mac, at + 1)) {
        if (at % 2 == 0) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The 16 bytes of an IPv6 address in any RFC 4291 text form (zone id ignored), or null if it is
   * not one. Written here because {@code InetAddress.getByName} would look up a name that merely
   * looks like an address.
   */
  public static byte[] ipv6Bytes(String text) {
    int zone = text.indexOf('%');
    String s = zone >= 0 ? text.substring(0, zone) : text;
    int gap = s.indexOf("::");
    if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    List<Integer> head = groups(gap >= 0 ? s.substring(0, gap) : s, gap < 0);
    List<Integer> tail = gap >= 0 ? groups(s.substring(gap + 2), true) : List.of();
    if (head == null || tail == null) {
      return null;
    }
    int missing = 8 - head.size() - tail.size();
    if (gap < 0 ? missing != 0 : missing < 1) {
      return null;
    }
    byte[] out = new byte[16];
    int i = 0;
    for (int g : head) {
      out[i++] = (byte) (g >> 8);
      out[i++] = (byte) g;
    }
    i += 2 * (gap >= 0 ? missing : 0);
    for (int g : tail) {
      out[i++] = (byte) (g >> 8);
      out[i++] = (byte) g;
    }
    return out;
  }

  /**
   * The 16-bit groups of one side of "::"; an IPv4 address may end the last side (two groups). Null
   * if malformed.
   */
  private static List<Integer> groups(String side, boolean last) {
    List<Integer> out = new ArrayList<>();
    if (side.isEmpty()) {
      return out;
    }
    String[] parts = side.split(":", -1);
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (last && i == parts.length - 1 && p.indexOf('.') >= 0) {
        int[] v4 = ipv4(p);
        if (v4 == null) {
          return null;
        }
        out.add(v4[0] << 8 | v4[1]);
        out.add(v4[2] << 8 | v4[3]);
      } else if (p.isEmpty() || p.length() > 4 || !isHex(p)) {
        return null;
      } else {
        out.add(Integer.parseInt(p, 16));
      }
    }
    return out.size() > 8 ? null : out;
  }

  private static int[] ipv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    int[] out = new int[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      out[i] = Integer.parseInt(p);
      if (out[i] > 255) {
        return null;
      }
    }
    return out;
  }

  private static boolean isHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }

  private static Set<String> hexSet(Collection<byte[]> addresses) {
    Set<String> out = new HashSet<>();
    for (byte[] a : addresses) {
      if (a != null && a.length >= 6 && !allZero(a)) {
        out.add(hex(a));
      }
    }
    return Collections.unmodifiableSet(out);
  }

  private static boolean allZero(byte[] a) {
    for (byte b : a) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder(b.length * 2);
    for (byte x : b) {
      s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    }
    return s.toString();
  }

  private static byte[] hardwareAddress(NetworkInterface ni) {
    try {
      return ni.getHardwareAddress();
    } catch (Exception unreadable) {
      return null;
    }
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

  /** This machine's non-loopback addresses as text (IPv6 in Java's full form, without zone). */
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
