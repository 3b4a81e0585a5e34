package dev.beacon.server.storage;

import java.util.List;

/**
 * The rollup tables, which the fleet queries read instead of raw events; each row is the summary of
 * a key, and a write merges into it ({@code INSERT ... ON CONFLICT}), in the transaction that
 * stores the events summarised (on DuckDB the rows are appended to a pending twin there, and merged
 * within a second or before the next query: {@link PendingRollups}). Both stores create them with
 * these columns (PostgreSQL in its Flyway migration V2, which must say the same). {@code scope} is
 * {@code "*"} for all versions, or {@code "="} and the version (nothing after it: events without
 * one), so that every question can be asked of one version or of all.
 */
@SuppressWarnings("ImmutableEnumChecker") // its lists are List.of: immutable
enum RollupTable {
  /**
   * Per product, day, version and counter: a sum. Families: {@code events} (events stored), {@code
   * command} (name: the command; sub: runs, ok, exit:CODE), {@code duration} (name: the command;
   * sub: a {@link DurationSketch} bucket), {@code option} (name: the option), {@code health} (name:
   * the unit key; the sum of its unhealthy counts), {@code ui_page} (name: a route template; page
   * views of beacon.js), {@code ui} (name: {@code login}; beacon.js's login events), {@code
   * members} (name: a family of {@link #MEMBERS}; installations that day, for scope {@code *} too),
   * {@code seen_first} and {@code seen_last} (name: a name of {@link #SEEN}; sub: its family, one
   * of {@link RollupDelta#COUNTED_SEEN}; the seen rows whose first, or last, day it is): the
   * members with a last day in a window are a sum of its days, and those seen across a day (first
   * day on or before it, last day on or after) the firsts up to it less the lasts before it,
   * whatever the number of installations.
   */
  COUNTS(
      "rollup_counts",
      List.of(
          col("product", Type.TEXT),
          col("day", Type.DATE),
          col("scope", Type.TEXT),
          col("family", Type.TEXT),
          col("name", Type.TEXT),
          col("sub", Type.TEXT),
          col("n", Type.DOUBLE)),
      List.of("product", "family", "scope", "day", "name", "sub"),
      "DO UPDATE SET n = rollup_counts.n + excluded.n"),

  /**
   * Installations present on a day: {@code active} (any event), {@code health} (a health event with
   * unit counts), {@code ui} (an event of beacon.js, the product's web UI). A new row adds one to
   * its {@code members} count.
   */
  MEMBERS(
      "rollup_members",
      List.of(
          col("product", Type.TEXT),
          col("family", Type.TEXT),
          col("scope", Type.TEXT),
          col("day", Type.DATE),
          col("member", Type.TEXT)),
      List.of("product", "family", "scope", "day", "member"),
      "DO NOTHING"),

  /**
   * The days of {@link #MEMBERS} again, for the {@code active} family only, as bits: one row per
   * member and span of {@link #SPAN_DAYS} days (spans start at day 0, 1970-01-01, and follow each
   * other), bit {@code i} of {@code days} set when the member was active on day {@code span + i}.
   * The views that test each installation's days (activity in the 1, 7 and 30 days ending each day;
   * retention's active weeks; growth's previous window) read one or two rows an installation here,
   * instead of one a day (2.6 M rows for 100 k installations over 30 days, over a second on
   * PostgreSQL). DuckDB's merge makes them from the member rows it stages ({@link
   * RollupSql#daysOf}); PostgreSQL's group commits upsert them with the rest.
   */
  DAYS(
      "rollup_days",
      List.of(
          col("product", Type.TEXT),
          col("family", Type.TEXT),
          col("scope", Type.TEXT),
          col("member", Type.TEXT),
          col("span", Type.DATE),
          col("days", Type.BIGINT)),
      List.of("product", "family", "scope", "member", "span"),
      "DO UPDATE SET days = rollup_days.days | excluded.days"
          + " WHERE (rollup_days.days | excluded.days) <> rollup_days.days"),

  /**
   * The first and last day a member was seen with a name: {@code installation} (any event), {@code
   * cluster} (name: a cluster id; a report of this installation named it), {@code command} (name: a
   * command; this installation ran it), {@code project} (name: a command; member: a project it ran
   * in), {@code option} (name: an option; this installation gave it), {@code ui_page} (name: a
   * route template; this installation's UI showed it), {@code feature} (name: {@code plugin:NAME}
   * or {@code feature:NAME}, a plugin or feature a report of this installation named, or empty for
   * any report). Every window of the queries ends now, so a member counts in it when its last day
   * is in it.
   *
   * <p>A row the upsert changes keeps the days it had in {@code prev_first} and {@code prev_last}
   * (null on a new row), under the row's lock, so that the upsert's {@code RETURNING} tells each
   * move exactly, whoever else writes: the families of {@link RollupDelta#COUNTED_SEEN} are counted
   * by first and by last day in {@link #COUNTS} from those moves ({@link RollupDelta#seenMoved}).
   */
  SEEN(
      "rollup_seen",
      List.of(
          col("product", Type.TEXT),
          col("family", Type.TEXT),
          col("scope", Type.TEXT),
          col("name", Type.TEXT),
          col("member", Type.TEXT),
          col("first_day", Type.DATE),
          col("last_day", Type.DATE)),
      List.of(col("prev_first", Type.DATE), col("prev_last", Type.DATE)),
      List.of("product", "family", "scope", "name", "member"),
      "DO UPDATE SET first_day = least(rollup_seen.first_day, excluded.first_day),"
          + " last_day = greatest(rollup_seen.last_day, excluded.last_day),"
          + " prev_first = rollup_seen.first_day, prev_last = rollup_seen.last_day"
          + " WHERE excluded.first_day < rollup_seen.first_day"
          + " OR excluded.last_day > rollup_seen.last_day"),

  /** Each installation's latest report (per version, and of all), its platform facts read once. */
  LATEST(
      "rollup_latest",
      List.of(
          col("product", Type.TEXT),
          col("scope", Type.TEXT),
          col("installation_id", Type.TEXT),
          col("ts", Type.TIMESTAMP),
          col("os", Type.TEXT),
          col("arch", Type.TEXT),
          col("runtime", Type.TEXT),
          col("cpus", Type.TEXT),
          col("memory", Type.TEXT),
          col("edition", Type.TEXT),
          col("plugins", Type.JSON),
          col("features", Type.JSON),
          col("properties", Type.JSON)),
      List.of("product", "scope", "installation_id"),
      "DO UPDATE SET ts = excluded.ts, os = excluded.os, arch = excluded.arch,"
          + " runtime = excluded.runtime, cpus = excluded.cpus, memory = excluded.memory,"
          + " edition = excluded.edition, plugins = excluded.plugins,"
          + " features = excluded.features, properties = excluded.properties"
          + " WHERE excluded.ts > rollup_latest.ts"),

  /** Each installation's latest version and OS, from any event: the summary's buckets. */
  INSTALLATIONS(
      "rollup_installations",
      List.of(
          col("product", Type.TEXT),
          col("installation_id", Type.TEXT),
          col("version", Type.TEXT),
          col("version_ts", Type.TIMESTAMP),
          col("os", Type.TEXT),
          col("os_ts", Type.TIMESTAMP)),
      List.of("product", "installation_id"),
      "DO UPDATE SET"
          + " version = CASE WHEN "
          + newer("version_ts")
          + " THEN excluded.version ELSE rollup_installations.version END,"
          + " version_ts = CASE WHEN "
          + newer("version_ts")
          + " THEN excluded.version_ts ELSE rollup_installations.version_ts END,"
          + " os = CASE WHEN "
          + newer("os_ts")
          + " THEN excluded.os ELSE rollup_installations.os END,"
          + " os_ts = CASE WHEN "
          + newer("os_ts")
          + " THEN excluded.os_ts ELSE rollup_installations.os_ts END"
          + " WHERE "
          + newer("version_ts")
          + " OR "
          + newer("os_ts"));

  /** A column's type; each store names it in its own SQL. */
  enum Type {
    TEXT,
    DATE,
    DOUBLE,
    BIGINT,
    TIMESTAMP,
    JSON
  }

  record Column(String name, Type type) {}

  /**
   * {@link #DAYS}'s span: 62 bits of a positive BIGINT (DuckDB refuses to shift into the sign bit),
   * so any window of up to 63 days falls in two spans.
   */
  static final int SPAN_DAYS = 62;

  /** The first day of the {@link #DAYS} span that holds {@code epochDay}. */
  static long spanStart(long epochDay) {
    return epochDay - Math.floorMod(epochDay, SPAN_DAYS);
  }

  /** The bits of a {@link #DAYS} span for its days {@code first} to before {@code end} (0..62). */
  static long spanBits(long first, long end) {
    return ((1L << end) - 1) & -(1L << first);
  }

  final String table;

  /** The columns a write gives (and a staging twin has). */
  final List<Column> columns;

  /** Columns the table keeps of its own, after {@link #columns}: its upsert sets them. */
  final List<Column> kept;

  final List<String> key;
  final String onConflict;

  RollupTable(String table, List<Column> columns, List<String> key, String onConflict) {
    this(table, columns, List.of(), key, onConflict);
  }

  RollupTable(
      String table, List<Column> columns, List<Column> kept, List<String> key, String onConflict) {
    this.table = table;
    this.columns = columns;
    this.kept = kept;
    this.key = key;
    this.onConflict = onConflict;
  }

  /** A column of the table, given or kept, by name. */
  Column column(String name) {
    for (List<Column> list : List.of(columns, kept)) {
      for (Column c : list) {
        if (c.name().equals(name)) {
          return c;
        }
      }
    }
    throw new IllegalArgumentException(table + " has no column " + name);
  }

  /** The column names, comma-separated, in order. */
  String columnList() {
    StringBuilder sb = new StringBuilder();
    for (Column c : columns) {
      sb.append(sb.length() == 0 ? "" : ", ").append(c.name());
    }
    return sb.toString();
  }

  /** {@code INSERT ... SELECT} from a source of the same columns, merged into existing rows. */
  String upsert(String source, String returning) {
    return "INSERT INTO "
        + table
        + " ("
        + columnList()
        + ") SELECT "
        + columnList()
        + " FROM "
        + source
        + " ON CONFLICT ("
        + String.join(", ", key)
        + ") "
        + onConflict
        + (returning == null ? "" : " RETURNING " + returning);
  }

  private static Column col(String name, Type type) {
    return new Column(name, type);
  }

  private static String newer(String column) {
    return "(excluded."
        + column
        + " IS NOT NULL AND (rollup_installations."
        + column
        + " IS NULL OR excluded."
        + column
        + " > rollup_installations."
        + column
        + "))";
  }
}
