package dev.beacon.sdk.micrometer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Which meter names are kept, and which tags' values may travel. */
final class AllowList {
  private static final Pattern METER_PATTERN = Pattern.compile("[A-Za-z0-9_.*-]{1,200}");
  private static final Pattern TAG_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

  private final List<String> meterPatterns;
  private final List<Pattern> compiled = new ArrayList<>();
  private final List<String> tagNames;
  private final Set<String> tags;

  AllowList(List<String> meterPatterns, List<String> tagNames) {
    this.meterPatterns = List.copyOf(meterPatterns);
    for (String p : meterPatterns) {
      compiled.add(glob(p));
    }
    this.tagNames = List.copyOf(tagNames);
    this.tags = new TreeSet<>(tagNames);
  }

  boolean allowsMeter(String name) {
    for (Pattern p : compiled) {
      if (p.matcher(name).matches()) {
        return true;
      }
    }
    return false;
  }

  boolean allowsTag(String key) {
    return tags.contains(key);
  }

  List<String> meterPatterns() {
    return meterPatterns;
  }

  List<String> tagNames() {
    return tagNames;
  }

  /** {@code cache.*} → cache, a dot, anything; every other character stands for itself. */
  private static Pattern glob(String pattern) {
    StringBuilder re = new StringBuilder();
    String[] parts = pattern.split("\\*", -1);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        re.append(".*");
      }
      if (!parts[i].isEmpty()) {
        re.append(Pattern.quote(parts[i]));
      }
    }
    return Pattern.compile(re.toString());
  }

  static String requirePattern(String p, String what) {
    if (p == null || !METER_PATTERN.matcher(p).matches() || p.chars().allMatch(c -> c == '*')) {
      throw new IllegalArgumentException(
          what
              + ": a meter name or pattern of letters, digits, '.', '_', '-' and '*' (not only"
              + " '*'), at most 200 chars: '"
              + p
              + "'");
    }
    return p;
  }

  static String requireTagName(String t, String what) {
    if (t == null || !TAG_NAME.matcher(t).matches()) {
      throw new IllegalArgumentException(
          what
              + ": a tag name of letters, digits, '.', '_' or '-', at most 100 chars: '"
              + t
              + "'");
    }
    return t;
  }
}
