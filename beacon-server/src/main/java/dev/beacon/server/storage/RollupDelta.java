package dev.beacon.server.storage;

import dev.beacon.protocol.UiEvents;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a group of newly stored events adds to the rollups ({@link RollupTable}), merged in memory
 * first so that each key is written once per transaction: sums added, first and last days widened,
 * the newest report kept. A store applies it in the transaction that stores the events (see {@link
 * RollupSql}); duplicates never reach it, since only events stored now are added.
 */
final class RollupDelta {
  static final String ALL = "*";
  static final String EVENTS = "events";
  static final String COMMAND = "command";
  static final String DURATION = "duration";
  static final String OPTION = "option";
  static final String HEALTH = "health";
  static final String MEMBERS = "members";
  static final String ACTIVE = "active";
  static final String INSTALLATION = "installation";
  static final String CLUSTER = "cluster";
  static final String PROJECT = "project";
  static final String FEATURE = "feature";

  /** {@link #FEATURE}'s name for "any report": the installations a feature's share is of. */
  static final String REPORTING = "";

  /** {@link RollupTable#COUNTS}' families of seen rows counted by their first and last day. */
  static final String SEEN_FIRST = "seen_first";

  static final String SEEN_LAST = "seen_last";

  /** The families of seen rows counted so (those the queries count over windows). */
  static final List<String> COUNTED_SEEN = List.of(INSTALLATION, FEATURE, COMMAND, PROJECT);

  static final String UI = "ui";
  static final String UI_PAGE = "ui_page";
  static final String LOGIN = "login";

  record CountKey(
      String product, LocalDate day, String scope, String family, String name, String sub) {}

  record MemberKey(String product, String family, String scope, LocalDate day, String member) {}

  /** A row of {@link RollupTable#DAYS}: a member's span of days. */
  private record SpanKey(
      String product, String family, String scope, String member, LocalDate span) {}

  record SeenKey(String product, String family, String scope, String name, String member) {}

  record LatestKey(String product, String scope, String installation) {}

  record InstallationKey(String product, String installation) {}

  private record Latest(StoredEvent report, RollupFacts facts) {}

  /** An installation's events of one day and version: most events share one with others. */
  private record Presence(String product, LocalDate day, String scope, String installation) {}

  private static final class Installation {
    String version;
    Instant versionTs;
    String os;
    Instant osTs;
  }

  private final Map<Presence, long[]> presence = new LinkedHashMap<>();
  private final Map<CountKey, Double> counts = new LinkedHashMap<>();
  private final Set<MemberKey> members = new LinkedHashSet<>();
  private final Map<SeenKey, LocalDate[]> seen = new LinkedHashMap<>();
  private final Map<LatestKey, Latest> latest = new HashMap<>();
  private final Map<InstallationKey, Installation> installations = new LinkedHashMap<>();
  private long lastEpochDay;
  private LocalDate lastDay;

  /**
   * Whether stores opened now keep rollups: always, but for the ingest benchmark's comparison run
   * (system property {@code beacon.bench.withoutRollups}), whose dashboard would show nothing.
   */
  static boolean maintained() {
    return !Boolean.getBoolean("beacon.bench.withoutRollups");
  }

  /** The scope of one version; {@code "="} alone for events without a version. */
  static String scope(String version) {
    return "=" + (version == null ? "" : version);
  }

  boolean isEmpty() {
    settle();
    return counts.isEmpty() && members.isEmpty();
  }

  /**
   * Turns the events counted per installation, day and version into their counts, members and seen
   * days: one map operation per event in {@link #add}, the rest per installation and day.
   */
  private void settle() {
    if (presence.isEmpty()) {
      return;
    }
    for (Map.Entry<Presence, long[]> e : presence.entrySet()) {
      Presence k = e.getKey();
      count(k.product(), k.day(), k.scope(), EVENTS, "", "", (double) e.getValue()[0]);
      if (k.installation() != null) {
        member(k.product(), ACTIVE, k.scope(), k.day(), k.installation());
        seen(k.product(), INSTALLATION, k.scope(), "", k.installation(), k.day());
      }
    }
    presence.clear();
  }

  /** Adds an event stored now. */
  void add(StoredEvent e) {
    String p = clean(e.product());
    LocalDate day = day(e.timestamp());
    String v = clean(scope(e.version()));
    String inst = clean(e.installationId());
    presence.computeIfAbsent(new Presence(p, day, v, inst), k -> new long[1])[0]++;
    if (inst != null) {
      installation(p, inst, e);
    }
    if (UiEvents.LIBRARY.equals(e.library())) {
      webUi(p, day, v, inst, e);
      return;
    }
    RollupFacts f = RollupFacts.of(e);
    if ("report".equals(e.type())) {
      if (inst != null) {
        report(new LatestKey(p, v, inst), e, f);
        report(new LatestKey(p, ALL, inst), e, f);
        if (e.clusterId() != null) {
          seen(p, CLUSTER, v, clean(e.clusterId()), inst, day);
        }
        seen(p, FEATURE, v, REPORTING, inst, day);
        for (String plugin : f.plugins()) {
          seen(p, FEATURE, v, featureName("plugin", plugin), inst, day);
        }
        for (String feature : f.features()) {
          seen(p, FEATURE, v, featureName("feature", feature), inst, day);
        }
      }
      return;
    }
    if (!"track".equals(e.type())) {
      return;
    }
    String command = f.command() == null ? "" : clean(f.command());
    if ("CommandExited".equals(e.event())) {
      count(p, day, v, COMMAND, command, "runs", 1);
      if ("0".equals(f.exitCode())) {
        count(p, day, v, COMMAND, command, "ok", 1);
      }
      if (f.exitCode() != null) {
        count(p, day, v, COMMAND, command, "exit:" + clean(f.exitCode()), 1);
      }
      if (f.durationMs() != null) {
        count(p, day, v, DURATION, command, DurationSketch.bucket(f.durationMs()), 1);
      }
      if (inst != null) {
        seen(p, COMMAND, v, command, inst, day);
      }
      if (f.project() != null) {
        seen(p, PROJECT, v, command, clean(f.project()), day);
      }
    } else if ("CommandStarted".equals(e.event())) {
      for (String o : f.options()) {
        String option = clean(o);
        count(p, day, v, OPTION, option, "", 1);
        if (inst != null) {
          seen(p, OPTION, v, option, inst, day);
        }
      }
    } else if (HEALTH.equals(e.event()) && !f.units().isEmpty()) {
      for (Map.Entry<String, Double> unit : f.units().entrySet()) {
        count(
            p,
            day,
            v,
            HEALTH,
            clean(unit.getKey()),
            "",
            unit.getValue() == null ? 0 : unit.getValue());
      }
      if (inst != null) {
        member(p, HEALTH, v, day, inst);
      }
    }
  }

  /**
   * Adds another delta's events, as if each had been added here after those already added (a newest
   * report or version replaces this one's only when strictly newer, as in {@link #add}). {@code
   * other} is left as it was: a group commit that fails is tried request by request, each with its
   * own delta again.
   */
  void addAll(RollupDelta other) {
    other.presence.forEach((k, n) -> presence.computeIfAbsent(k, x -> new long[1])[0] += n[0]);
    other.counts.forEach((k, n) -> counts.merge(k, n, Double::sum));
    members.addAll(other.members);
    other.seen.forEach(
        (k, d) -> {
          LocalDate[] mine = seen.computeIfAbsent(k, x -> new LocalDate[] {d[0], d[1]});
          if (d[0].isBefore(mine[0])) {
            mine[0] = d[0];
          }
          if (d[1].isAfter(mine[1])) {
            mine[1] = d[1];
          }
        });
    other.latest.forEach((k, l) -> report(k, l.report(), l.facts()));
    other.installations.forEach(
        (k, o) -> {
          Installation i = installations.computeIfAbsent(k, x -> new Installation());
          if (o.versionTs != null && (i.versionTs == null || o.versionTs.isAfter(i.versionTs))) {
            i.version = o.version;
            i.versionTs = o.versionTs;
          }
          if (o.osTs != null && (i.osTs == null || o.osTs.isAfter(i.osTs))) {
            i.os = o.os;
            i.osTs = o.osTs;
          }
        });
  }

  /** A plugin or feature as {@link #FEATURE} names it: its kind, ':' and its name. */
  static String featureName(String kind, String name) {
    return kind + ":" + clean(name);
  }

  /** A web UI's event: page views per route template, logins, the installations using it. */
  private void webUi(String p, LocalDate day, String v, String inst, StoredEvent e) {
    String name = e.event() == null ? "" : clean(e.event());
    if ("page".equals(e.type())) {
      count(p, day, v, UI_PAGE, name, "", 1);
      if (inst != null) {
        seen(p, UI_PAGE, v, name, inst, day);
      }
    } else if ("track".equals(e.type()) && LOGIN.equals(name)) {
      count(p, day, v, UI, LOGIN, "", 1);
    }
    if (inst != null) {
      member(p, UI, v, day, inst);
    }
  }

  /** The cache's keys of the member and seen rows a delta kept, in their order ({@link #learn}). */
  static final class Unknown {
    private final long[] members;
    private final long[] seen;

    private Unknown(long[] members, long[] seen) {
      this.members = members;
      this.seen = seen;
    }
  }

  /**
   * Leaves out the member and seen rows the cache knows are there already; answers the cache's keys
   * of the others, for {@link #learn} once they are committed (each key hashed once).
   */
  Unknown forgetKnown(RollupCache cache) {
    settle();
    long[] memberKeys = new long[members.size()];
    int n = 0;
    for (Iterator<MemberKey> it = members.iterator(); it.hasNext(); ) {
      long h = RollupCache.memberKey(it.next());
      if (cache.hasMember(h)) {
        it.remove();
      } else {
        memberKeys[n++] = h;
      }
    }
    memberKeys = Arrays.copyOf(memberKeys, n);
    long[] seenKeys = new long[seen.size()];
    n = 0;
    for (Iterator<Map.Entry<SeenKey, LocalDate[]>> it = seen.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<SeenKey, LocalDate[]> e = it.next();
      long h = RollupCache.seenKey(e.getKey());
      if (cache.covers(h, e.getValue()[0].toEpochDay(), e.getValue()[1].toEpochDay())) {
        it.remove();
      } else {
        seenKeys[n++] = h;
      }
    }
    return new Unknown(memberKeys, Arrays.copyOf(seenKeys, n));
  }

  /**
   * Tells the cache what this delta wrote, once its transaction has committed: the rows {@link
   * #forgetKnown} left, unchanged since, whose keys it answered.
   */
  void learn(RollupCache cache, Unknown keys) {
    if (keys.members.length != members.size() || keys.seen.length != seen.size()) {
      throw new IllegalStateException("rollup rows changed between forgetKnown and learn");
    }
    for (long h : keys.members) {
      cache.addMember(h);
    }
    int i = 0;
    for (LocalDate[] d : seen.values()) {
      cache.addSeen(keys.seen[i++], d[0].toEpochDay(), d[1].toEpochDay());
    }
  }

  /** Counts a member row that was new in its table: one more member that day. */
  void memberAdded(String product, String family, String scope, LocalDate day) {
    count(product, day, scope, MEMBERS, family, "", 1);
  }

  /**
   * Counts a seen row the upsert added or moved, as {@link RollupSql#SEEN_RETURNING} gives it: a
   * new row adds to the counts of its first and last day; a moved one takes from those of the days
   * it had (when they changed) and adds to those of its new ones.
   */
  void seenMoved(Object[] r) {
    if (!COUNTED_SEEN.contains((String) r[1])) {
      return;
    }
    String product = (String) r[0];
    String scope = (String) r[2];
    String name = (String) r[3];
    String family = (String) r[1];
    for (int at = 4; at <= 5; at++) {
      LocalDate now = (LocalDate) r[at];
      LocalDate before = (LocalDate) r[at + 2];
      String counted = at == 4 ? SEEN_FIRST : SEEN_LAST;
      if (now.equals(before)) {
        continue;
      }
      count(product, now, scope, counted, name, family, 1);
      if (before != null) {
        count(product, before, scope, counted, name, family, -1);
      }
    }
  }

  /** Counts {@code n} installations more that moved from one version to another on a day. */
  void upgraded(String product, LocalDate day, String from, String to, int n) {
    count(product, day, ALL, UpgradeMoves.MOVE, from, to, n);
  }

  /** Rows for a table, in its column order. */
  List<Object[]> rows(RollupTable table) {
    settle();
    List<Object[]> out = new ArrayList<>();
    switch (table) {
      case COUNTS ->
          counts.forEach(
              (k, n) ->
                  out.add(
                      new Object[] {
                        k.product(), k.day(), k.scope(), k.family(), k.name(), k.sub(), n
                      }));
      case MEMBERS ->
          members.forEach(
              k -> out.add(new Object[] {k.product(), k.family(), k.scope(), k.day(), k.member()}));
      case DAYS -> {
        // From the member rows left after the cache's (their bits were written with them).
        Map<SpanKey, long[]> spans = new LinkedHashMap<>();
        for (MemberKey k : members) {
          if (ACTIVE.equals(k.family())) {
            long day = k.day().toEpochDay();
            long start = RollupTable.spanStart(day);
            SpanKey span =
                new SpanKey(
                    k.product(), k.family(), k.scope(), k.member(), LocalDate.ofEpochDay(start));
            spans.computeIfAbsent(span, x -> new long[1])[0] |= 1L << (day - start);
          }
        }
        spans.forEach(
            (k, d) ->
                out.add(
                    new Object[] {k.product(), k.family(), k.scope(), k.member(), k.span(), d[0]}));
      }
      case SEEN ->
          seen.forEach(
              (k, d) ->
                  out.add(
                      new Object[] {
                        k.product(), k.family(), k.scope(), k.name(), k.member(), d[0], d[1]
                      }));
      case LATEST ->
          latest.forEach(
              (k, l) -> {
                StoredEvent r = l.report();
                RollupFacts f = l.facts();
                out.add(
                    new Object[] {
                      k.product(),
                      k.scope(),
                      k.installation(),
                      utc(r.timestamp()),
                      r.os(),
                      r.arch(),
                      r.runtime(),
                      f.cpus(),
                      f.memoryGib(),
                      f.edition(),
                      jsonStrings(f.plugins()),
                      jsonStrings(f.features()),
                      r.properties()
                    });
              });
      case INSTALLATIONS ->
          installations.forEach(
              (k, i) ->
                  out.add(
                      new Object[] {
                        k.product(),
                        k.installation(),
                        i.version,
                        i.versionTs == null ? null : utc(i.versionTs),
                        i.os,
                        i.osTs == null ? null : utc(i.osTs)
                      }));
    }
    return out;
  }

  private void count(
      String product,
      LocalDate day,
      String scope,
      String family,
      String name,
      String sub,
      double n) {
    counts.merge(new CountKey(product, day, scope, family, name, sub), n, Double::sum);
  }

  private void member(String product, String family, String scope, LocalDate day, String member) {
    members.add(new MemberKey(product, family, scope, day, member));
    members.add(new MemberKey(product, family, ALL, day, member));
  }

  private void seen(
      String product, String family, String scope, String name, String member, LocalDate day) {
    for (String s : new String[] {scope, ALL}) {
      LocalDate[] d =
          seen.computeIfAbsent(
              new SeenKey(product, family, s, name, member), k -> new LocalDate[] {day, day});
      if (day.isBefore(d[0])) {
        d[0] = day;
      }
      if (day.isAfter(d[1])) {
        d[1] = day;
      }
    }
  }

  private void report(LatestKey key, StoredEvent e, RollupFacts f) {
    Latest current = latest.get(key);
    if (current == null || e.timestamp().isAfter(current.report().timestamp())) {
      latest.put(key, new Latest(e, f));
    }
  }

  private void installation(String product, String inst, StoredEvent e) {
    if (e.version() == null && e.os() == null) {
      return;
    }
    Installation i =
        installations.computeIfAbsent(new InstallationKey(product, inst), k -> new Installation());
    if (e.version() != null && (i.versionTs == null || e.timestamp().isAfter(i.versionTs))) {
      i.version = e.version();
      i.versionTs = e.timestamp();
    }
    if (e.os() != null && (i.osTs == null || e.timestamp().isAfter(i.osTs))) {
      i.os = e.os();
      i.osTs = e.timestamp();
    }
  }

  /**
   * Key text as every store can hold it: PostgreSQL's text holds no NUL, so it is U+FFFD in both
   * (two keys never become one in a single statement, which PostgreSQL would refuse).
   */
  static String clean(String s) {
    // indexOf first: a vectorized scan, and nearly every key has no NUL (replace scans slowly).
    return s == null || s.indexOf('\u0000') < 0 ? s : s.replace('\u0000', '\ufffd');
  }

  /** The UTC day of {@code t}; the last one is kept, as a group's events mostly share their day. */
  private LocalDate day(Instant t) {
    long epochDay = Math.floorDiv(t.getEpochSecond(), 86_400L);
    if (epochDay != lastEpochDay || lastDay == null) {
      lastDay = LocalDate.ofEpochDay(epochDay);
      lastEpochDay = epochDay;
    }
    return lastDay;
  }

  private static LocalDateTime utc(Instant i) {
    return LocalDateTime.ofInstant(i, ZoneOffset.UTC);
  }

  /** A JSON array of strings, written here (so every store holds well-formed JSON). */
  static String jsonStrings(List<String> values) {
    StringBuilder sb = new StringBuilder("[");
    for (String v : values) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      appendJsonString(sb, v);
    }
    return sb.append(']').toString();
  }

  /** A JSON string, quoted, as {@link #jsonStrings} writes each. */
  static String jsonString(String v) {
    StringBuilder sb = new StringBuilder();
    appendJsonString(sb, v);
    return sb.toString();
  }

  private static void appendJsonString(StringBuilder sb, String v) {
    sb.append('"');
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else if (Character.isHighSurrogate(c)
              && i + 1 < v.length()
              && Character.isLowSurrogate(v.charAt(i + 1))) {
            sb.append(c).append(v.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            sb.append('\ufffd'); // a lone surrogate is no character; PostgreSQL refuses one
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
