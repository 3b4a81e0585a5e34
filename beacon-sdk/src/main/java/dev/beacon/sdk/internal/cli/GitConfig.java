package dev.beacon.sdk.internal.cli;

import java.util.Locale;

/**
 * Reads the one value the SDK needs from a git config file, {@code remote.origin.url}, with git's
 * syntax: section names and keys in any case, {@code [remote "origin"]} (the subsection is
 * case-sensitive, with {@code \"} and {@code \\} escapes), whole-line and trailing {@code #}/{@code
 * ;} comments, double-quoted values with escapes, a trailing backslash continuing the value on the
 * next line. The first {@code url} of the section wins, as for {@code git fetch}. Never throws: a
 * file git would refuse yields whatever could be read, or null.
 */
final class GitConfig {
  private GitConfig() {}

  /** {@code remote.origin.url}, or null. */
  static String originUrl(String text) {
    String[] lines = text.split("\r?\n", -1);
    boolean inOrigin = false;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.startsWith("[")) {
        int close = closingBracket(line);
        if (close < 0) {
          inOrigin = false;
          continue;
        }
        inOrigin = isOrigin(line.substring(1, close));
        line = line.substring(close + 1).strip(); // git allows a variable after the header
      }
      if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == ';') {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 0) {
        continue; // a key without a value (a boolean)
      }
      // Whatever the key, a backslash ending the line (outside quotes, not itself escaped)
      // continues its value: the next line is no header or key even if it looks like one.
      StringBuilder raw = new StringBuilder(line.substring(eq + 1));
      while (continues(raw) && i + 1 < lines.length) {
        raw.setLength(raw.length() - 1);
        raw.append(lines[++i]);
      }
      if (inOrigin && line.substring(0, eq).strip().toLowerCase(Locale.ROOT).equals("url")) {
        return value(raw.toString());
      }
    }
    return null;
  }

  /** The index of the ']' ending a section header, skipping a quoted subsection; -1 if none. */
  private static int closingBracket(String line) {
    boolean quoted = false;
    for (int i = 1; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted && c == '\\') {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == ']' && !quoted) {
        return i;
      }
    }
    return -1;
  }

  /** Whether a header's inside is {@code remote "origin"} (or the old {@code remote.origin}). */
  private static boolean isOrigin(String header) {
    String h = header.strip();
    int quote = h.indexOf('"');
    if (quote < 0) {
      return h.toLowerCase(Locale.ROOT).equals("remote.origin");
    }
    if (!h.substring(0, quote).strip().toLowerCase(Locale.ROOT).equals("remote")
        || !h.endsWith("\"")
        || h.length() < quote + 2) {
      return false;
    }
    StringBuilder sub = new StringBuilder();
    String inner = h.substring(quote + 1, h.length() - 1);
    for (int i = 0; i < inner.length(); i++) {
      char c = inner.charAt(i);
      if (c == '\\' && i + 1 < inner.length()) {
        sub.append(inner.charAt(++i));
      } else if (c == '"' || c == '\\') {
        return false;
      } else {
        sub.append(c);
      }
    }
    return sub.toString().equals("origin");
  }

  private static boolean continues(CharSequence raw) {
    boolean quoted = false;
    boolean escaped = false;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && (c == '#' || c == ';')) {
        return false; // the rest is a comment, a final backslash included
      }
    }
    return escaped && !quoted;
  }

  /** A value as git reads it: quotes removed, escapes resolved, comment and outer blanks cut. */
  static String value(String raw) {
    StringBuilder out = new StringBuilder();
    boolean quoted = false;
    int keep = 0; // length of out up to its last char that was quoted or not blank
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '\\' && i + 1 < raw.length()) {
        char e = raw.charAt(++i);
        out.append(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'b' ? '\b' : e);
        keep = out.length();
      } else if (c == '"') {
        quoted = !quoted;
        keep = out.length();
      } else if (!quoted && (c == '#' || c == ';')) {
        break;
      } else if (!quoted && Character.isWhitespace(c)) {
        if (out.length() > 0) {
          out.append(c);
        }
      } else {
        out.append(c);
        keep = out.length();
      }
    }
    out.setLength(keep);
    return out.toString();
  }
}
