package dev.beacon.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.beacon.protocol.Limits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Maps every source of settings onto {@link ServerConfig}, in one place, strongest first: the
 * command line, environment variables {@code BEACON_<PATH>} ({@code __} between levels, as EMQX
 * does), the HOCON file, the defaults ({@code reference.conf}). The two settings that the dashboard
 * can change as well keep their source, because the dashboard's values come between the file and
 * the defaults ({@link SettingSource}). Every invalid setting is listed, and none is fatal alone:
 * {@link InvalidConfigException} carries them all.
 */
public final class ConfigLoader {
  private static final Pattern PRODUCT = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]{1,253}):[0-9]{1,5}");
  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

  /** The settings the dashboard can change too (below every source here: see SettingSource). */
  public static final String RETENTION = "retention.days";

  public static final String MIN_INSTALLATIONS = "dashboard.min_installations";

  /**
   * The limits both sides agree on, from {@code beacon-protocol}: the defaults of the server's
   * limits (reference.conf does not repeat them), so the server never refuses what the SDK sends.
   */
  private static final Config PROTOCOL =
      ConfigFactory.parseMap(
          Map.of(
              "limits.max_request_bytes", Limits.MAX_REQUEST_BYTES,
              "limits.max_event_bytes", Limits.MAX_EVENT_BYTES,
              "limits.max_depth", Limits.MAX_DEPTH,
              "limits.max_string_chars", Limits.MAX_STRING_CHARS),
          "beacon-protocol's Limits");

  private ConfigLoader() {}

  public static ServerConfig load(
      Path file, Map<String, String> env, Map<String, Object> commandLine) {
    List<String> problems = new ArrayList<>();
    try {
      return load(file, env, commandLine, problems);
    } catch (ConfigException e) {
      // A section set to a plain value (BEACON_PRODUCTS=x, found by ConfigLoaderFuzzTest) and
      // such: Typesafe Config names the path and the source; the server refuses to start.
      problems.add(e.getMessage());
      throw new InvalidConfigException(problems);
    }
  }

  private static ServerConfig load(
      Path file, Map<String, String> env, Map<String, Object> commandLine, List<String> problems) {
    Config reference = ConfigFactory.parseResources("reference.conf").withFallback(PROTOCOL);
    Config fromFile = ConfigFactory.empty();
    if (file != null) {
      if (!Files.isReadable(file)) {
        problems.add("config file " + file + " is not readable");
      } else {
        try {
          fromFile =
              ConfigFactory.parseFile(
                  file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
          problems.add("config file " + file + ": " + e.getMessage());
        }
      }
    }
    Config fromEnv =
        ConfigFactory.parseMap(envPaths(env, reference.root().keySet(), problems), "environment");
    Config fromCli = ConfigFactory.parseMap(commandLine, "command line");
    Config c =
        fromCli.withFallback(fromEnv).withFallback(fromFile).withFallback(reference).resolve();
    unknownKeys(fromFile.withFallback(fromEnv), reference, problems);

    Settings s = new Settings(c, problems);
    ServerConfig config =
        new ServerConfig(
            s.string("server.host"),
            s.intIn("server.port", 0, 65535),
            s.optionalFile("server.tls.cert"),
            s.optionalFile("server.tls.key"),
            Path.of(s.string("data_dir")),
            s.oneOf("storage.type", Set.of("duckdb", "postgres")),
            new ServerConfig.Postgres(
                s.string("storage.postgres.url"),
                s.string("storage.postgres.user"),
                s.string("storage.postgres.password"),
                s.intIn("storage.postgres.pool_size", 1, 200)),
            new ServerConfig.Limits(
                s.intIn("limits.max_request_bytes", 1024, 64 * 1024 * 1024),
                s.intIn("limits.max_event_bytes", 256, 64 * 1024 * 1024),
                s.intIn("limits.max_depth", 2, 1000),
                s.intIn("limits.max_string_chars", 16, 16 * 1024 * 1024),
                s.intIn("limits.max_gzip_ratio", 2, 10_000),
                s.positiveDouble("limits.requests_per_second_per_key"),
                s.intIn("limits.burst_per_key", 1, 1_000_000),
                s.positiveDouble("limits.emqx_requests_per_second"),
                s.positiveDouble("limits.emqx_requests_per_second_per_source"),
                s.intIn("limits.emqx_max_report_bytes", 1024, 64 * 1024 * 1024),
                s.longIn("limits.emqx_max_bytes_per_day", 1024, Long.MAX_VALUE)),
            new ServerConfig.Writer(
                s.intIn("writer.max_queued_events", 100, 100_000_000),
                s.longIn("writer.max_queued_bytes", 1024 * 1024, Long.MAX_VALUE),
                s.intIn("writer.max_group_events", 1, 1_000_000),
                s.positiveDuration("writer.ack_timeout")),
            blankToNull(s.string("admin.password")),
            products(c, problems),
            blankToNull(s.string("compat.emqx.product")),
            s.intIn(RETENTION, 0, 100_000),
            s.intIn("retention.rollup_days", 0, 100_000),
            s.intIn("quarantine.max_events", 1, 10_000_000),
            s.longIn("quarantine.max_bytes_per_product", 64 * 1024, Long.MAX_VALUE),
            s.positiveDuration("dedup.window"),
            s.intIn("dedup.max_ids", 1, 100_000_000),
            s.intIn(MIN_INSTALLATIONS, 1, 1_000_000),
            new ServerConfig.Web(
                new ServerConfig.Connections(
                    s.intIn("server.max_connections", 1, 1_000_000),
                    s.intIn("server.max_concurrent_requests", 1, 1_000_000),
                    s.positiveDuration("server.idle_timeout"),
                    s.positiveDuration("server.header_timeout"),
                    s.positiveDuration("server.body_timeout")),
                new ServerConfig.Metrics(
                    s.bool("metrics.enabled"), blankToNull(s.string("metrics.token"))),
                new ServerConfig.SessionLimits(
                    s.positiveDuration("admin.session_lifetime"),
                    s.positiveDuration("admin.session_idle")),
                new ServerConfig.LoginLimits(
                    s.intIn("admin.login.failures_per_client", 1, 1_000_000),
                    s.positiveDuration("admin.login.client_refill"),
                    s.intIn("admin.login.failures_global", 1, 100_000_000),
                    s.positiveDuration("admin.login.global_refill"),
                    s.positiveDuration("admin.login.trust_success_for")),
                Map.of(
                    RETENTION,
                    sourceOf(RETENTION, fromCli, fromEnv, fromFile),
                    MIN_INSTALLATIONS,
                    sourceOf(MIN_INSTALLATIONS, fromCli, fromEnv, fromFile)),
                publicProducts(c, problems),
                s.intIn("public.min_installations", 10, 1_000_000)),
            new ServerConfig.Compat(
                blankToNull(s.string("compat.otlp.product")),
                blankToNull(s.string("compat.otlp.key_header")),
                s.positiveDouble("compat.otlp.requests_per_second_per_source"),
                browserOrigins(c, problems),
                browserKeys(c, writeKeysOf(c), problems)),
            kafka(s, c, problems));

    if ((config.tlsCert() == null) != (config.tlsKey() == null)) {
      problems.add("server.tls.cert and server.tls.key must be set together");
    }
    if (config.kafka().enabled() && !config.storageType().equals("postgres")) {
      problems.add(
          "kafka.bootstrap_servers is set: storage.type must be postgres (the sinks write there,"
              + " every node reads there)");
    }
    if (config.storageType().equals("postgres") && config.postgres().url().isBlank()) {
      problems.add("storage.postgres.url is required when storage.type = postgres");
    }
    if (config.emqxProduct() != null && !config.writeKeys().containsKey(config.emqxProduct())) {
      problems.add(
          "compat.emqx.product names '"
              + config.emqxProduct()
              + "', which is not declared under products (declare it with"
              + " BEACON_PRODUCTS__"
              + config.emqxProduct().toUpperCase(Locale.ROOT)
              + "__WRITE_KEY)");
    }
    String otlp = config.compat().otlpProduct();
    if (otlp != null && !config.writeKeys().containsKey(otlp)) {
      problems.add(
          "compat.otlp.product names '"
              + otlp
              + "', which is not declared under products (declare it with"
              + " BEACON_PRODUCTS__"
              + otlp.toUpperCase(Locale.ROOT)
              + "__WRITE_KEY)");
    }
    String keyHeader = config.compat().otlpKeyHeader();
    if (keyHeader != null && !keyHeader.matches("[A-Za-z0-9-]{1,64}")) {
      problems.add("compat.otlp.key_header must be a header name (letters, digits and '-')");
    }
    if (config.limits().maxEventBytes() > config.limits().maxRequestBytes()) {
      problems.add("limits.max_event_bytes must not exceed limits.max_request_bytes");
    }
    ServerConfig.SessionLimits sessions = config.web().sessions();
    if (sessions.idle().compareTo(sessions.lifetime()) > 0) {
      problems.add("admin.session_idle must not exceed admin.session_lifetime");
    }
    String metricsToken = config.web().metrics().token();
    if (metricsToken != null && metricsToken.length() < 16) {
      problems.add("metrics.token is shorter than 16 characters");
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return config;
  }

  private static SettingSource sourceOf(String path, Config cli, Config env, Config file) {
    if (cli.hasPath(path)) {
      return SettingSource.COMMAND_LINE;
    }
    if (env.hasPath(path)) {
      return SettingSource.ENVIRONMENT;
    }
    return file.hasPath(path) ? SettingSource.FILE : SettingSource.DEFAULT;
  }

  /** Keys of a setting's path: what a HOCON path element can be without quoting. */
  private static final Pattern PATH_ELEMENT = Pattern.compile("[a-z0-9_-]{1,64}");

  /** BEACON_A__B_C=v becomes a.b_c=v, for names whose first level is a known setting. */
  static Map<String, Object> envPaths(
      Map<String, String> env, Set<String> topLevel, List<String> problems) {
    Map<String, Object> out = new TreeMap<>();
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith("BEACON_")) {
        continue;
      }
      String path = name.substring("BEACON_".length()).toLowerCase(Locale.ROOT).replace("__", ".");
      String first = path.contains(".") ? path.substring(0, path.indexOf('.')) : path;
      if (!topLevel.contains(first)) {
        continue;
      }
      boolean valid = true;
      for (String element : path.split("\\.", -1)) {
        valid &= PATH_ELEMENT.matcher(element).matches();
      }
      if (valid) {
        out.put(path, e.getValue());
      } else {
        // Found by ConfigLoaderFuzzTest: BEACON_PRODUCTS__ (a trailing "__") threw from the loader.
        problems.add(
            "the environment variable "
                + name.replaceAll("[^A-Za-z0-9_]", "?")
                + " names no setting: levels are letters, digits, '_' or '-', joined by '__'");
      }
    }
    return out;
  }

  private static Map<String, String> products(Config c, List<String> problems) {
    Map<String, String> keys = new LinkedHashMap<>();
    Config products = c.getConfig("products");
    for (String name : products.root().keySet()) {
      if (!PRODUCT.matcher(name).matches()) {
        problems.add(
            "products."
                + name
                + ": a product name is lower case letters, digits, '-' or '_', starting with a"
                + " letter");
        continue;
      }
      String path = quote(name) + ".write_key";
      if (!products.hasPath(path) || products.getString(path).isBlank()) {
        problems.add("products." + name + ".write_key is missing");
        continue;
      }
      String key = products.getString(path);
      if (key.length() < 8) {
        problems.add("products." + name + ".write_key is shorter than 8 characters");
      } else if (keys.containsValue(key)) {
        problems.add("products." + name + ".write_key is already the key of another product");
      } else {
        keys.put(name, key);
      }
    }
    return keys;
  }

  /** The write keys as given, for the browser keys' check that none is one of them. */
  private static List<String> writeKeysOf(Config c) {
    List<String> keys = new ArrayList<>();
    Config products = c.getConfig("products");
    for (String name : products.root().keySet()) {
      String path = quote(name) + ".write_key";
      if (products.hasPath(path)) {
        try {
          keys.add(products.getString(path));
        } catch (ConfigException notText) {
          // reported with the write keys
        }
      }
    }
    return keys;
  }

  /**
   * {@code products.<p>.browser_key}: at least 8 characters, neither a write key nor another
   * product's browser key.
   */
  private static Map<String, String> browserKeys(
      Config c, List<String> writeKeys, List<String> problems) {
    Map<String, String> out = new LinkedHashMap<>();
    Config products = c.getConfig("products");
    for (String name : products.root().keySet()) {
      String path = quote(name) + ".browser_key";
      if (!PRODUCT.matcher(name).matches() || !products.hasPath(path)) {
        continue;
      }
      String key;
      try {
        key = products.getString(path).strip();
      } catch (ConfigException e) {
        problems.add("products." + name + ".browser_key: " + e.getMessage());
        continue;
      }
      if (key.isEmpty()) {
        continue;
      }
      if (key.length() < 8) {
        problems.add("products." + name + ".browser_key is shorter than 8 characters");
      } else if (writeKeys.contains(key)) {
        problems.add(
            "products."
                + name
                + ".browser_key is a write key: a page must never hold one (use another key)");
      } else if (out.containsValue(key)) {
        problems.add("products." + name + ".browser_key is already another product's");
      } else {
        out.put(name, key);
      }
    }
    return Map.copyOf(out);
  }

  /** The Kafka settings; the bootstrap servers null when Kafka is not used. */
  private static ServerConfig.Kafka kafka(Settings s, Config c, List<String> problems) {
    String bootstrap = blankToNull(s.string("kafka.bootstrap_servers"));
    if (bootstrap != null) {
      for (String server : bootstrap.split(",", -1)) {
        if (!HOST_PORT.matcher(server.strip()).matches()) {
          problems.add(
              "kafka.bootstrap_servers: '"
                  + server.strip().replaceAll("[^\\x20-\\x7e]", "?")
                  + "' is not HOST:PORT (several are separated by commas)");
        }
      }
    }
    Map<String, String> client = new TreeMap<>();
    Config given = c.getConfig("kafka.client");
    for (Map.Entry<String, ConfigValue> e : given.entrySet()) {
      // Kafka's names have dots, never underscores: the environment's security_protocol is
      // security.protocol (BEACON_KAFKA__CLIENT__SECURITY_PROTOCOL=SSL).
      String key = e.getKey().replace("\"", "").replace('_', '.');
      String problem = KafkaClientKeys.problem(key);
      if (problem != null) {
        problems.add("kafka.client." + e.getKey() + ": " + problem);
      } else {
        client.put(key, String.valueOf(e.getValue().unwrapped()));
      }
    }
    String topic = s.string("kafka.topic");
    if (!TOPIC.matcher(topic).matches()) {
      problems.add(
          "kafka.topic must be 1 to 249 of letters, digits, '.', '_' or '-', not '"
              + topic.replaceAll("[^\\x20-\\x7e]", "?")
              + "'");
    }
    return new ServerConfig.Kafka(
        bootstrap,
        topic,
        s.intIn("kafka.partitions", 1, 10_000),
        (short) s.intIn("kafka.replication_factor", 1, 32),
        s.longIn("kafka.buffer_bytes", 1024 * 1024, 8L * 1024 * 1024 * 1024),
        s.string("kafka.sink.group"),
        s.intIn("kafka.sink.max_poll_records", 1, 1_000_000),
        s.longIn("kafka.sink.ready_lag", 1, Long.MAX_VALUE),
        Map.copyOf(client));
  }

  /** The products whose {@code products.<p>.public} is true: a transparency page each. */
  private static Set<String> publicProducts(Config c, List<String> problems) {
    Set<String> out = new TreeSet<>();
    Config products = c.getConfig("products");
    for (String name : products.root().keySet()) {
      String path = quote(name) + ".public";
      if (!PRODUCT.matcher(name).matches() || !products.hasPath(path)) {
        continue;
      }
      try {
        if (products.getBoolean(path)) {
          out.add(name);
        }
      } catch (ConfigException e) {
        problems.add("products." + name + ".public must be true or false");
      }
    }
    return Set.copyOf(out);
  }

  /**
   * {@code products.<p>.browser_origins}: a list, or one string of origins separated by commas (as
   * an environment variable gives it). Each is {@code scheme://host[:port]}, nothing more.
   */
  private static Map<String, List<String>> browserOrigins(Config c, List<String> problems) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    Config products = c.getConfig("products");
    for (String name : products.root().keySet()) {
      String path = quote(name) + ".browser_origins";
      if (!PRODUCT.matcher(name).matches() || !products.hasPath(path)) {
        continue;
      }
      List<String> given;
      try {
        given =
            products.getValue(path).valueType() == ConfigValueType.LIST
                ? products.getStringList(path)
                : List.of(products.getString(path).split(",", -1));
      } catch (ConfigException e) {
        problems.add("products." + name + ".browser_origins: " + e.getMessage());
        continue;
      }
      List<String> origins = new ArrayList<>();
      for (String o : given) {
        String origin = o.strip();
        if (origin.isEmpty()) {
          continue;
        }
        if (!ORIGIN.matcher(origin).matches()) {
          problems.add(
              "products."
                  + name
                  + ".browser_origins: '"
                  + origin.replaceAll("[^\\x20-\\x7e]", "?")
                  + "' is not an origin such as https://ui.example.com or http://localhost:3000"
                  + " (scheme, host and port only)");
        } else {
          origins.add(origin.toLowerCase(Locale.ROOT));
        }
      }
      out.put(name, List.copyOf(origins));
    }
    return out;
  }

  private static final Pattern ORIGIN =
      Pattern.compile(
          "https?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|https?://\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");

  private static void unknownKeys(Config given, Config reference, List<String> problems) {
    for (Map.Entry<String, ConfigValue> e : given.entrySet()) {
      String path = e.getKey();
      if (path.startsWith("products.") || path.startsWith("kafka.client.")) {
        continue;
      }
      if (!reference.hasPathOrNull(path)) {
        problems.add("unknown setting '" + path + "'");
      }
    }
  }

  private static String quote(String key) {
    return "\"" + key + "\"";
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  /** Typed reads that note a problem instead of throwing, so that all problems are listed. */
  private static final class Settings {
    private final Config c;
    private final List<String> problems;

    Settings(Config c, List<String> problems) {
      this.c = c;
      this.problems = problems;
    }

    String string(String path) {
      try {
        return c.getString(path);
      } catch (ConfigException e) {
        problems.add(path + ": " + e.getMessage());
        return "";
      }
    }

    boolean bool(String path) {
      try {
        return c.getBoolean(path);
      } catch (ConfigException e) {
        problems.add(path + " must be true or false: " + e.getMessage());
        return false;
      }
    }

    String oneOf(String path, Set<String> allowed) {
      String v = string(path);
      if (!allowed.contains(v)) {
        problems.add(path + " must be one of " + new TreeSet<>(allowed) + ", not '" + v + "'");
        return allowed.iterator().next();
      }
      return v;
    }

    int intIn(String path, int min, int max) {
      try {
        int v = c.getInt(path);
        if (v < min || v > max) {
          problems.add(path + " must be between " + min + " and " + max + ", not " + v);
        }
        return v;
      } catch (ConfigException e) {
        problems.add(path + " must be a whole number: " + e.getMessage());
        return min;
      }
    }

    /** Whole numbers of bytes may be written with units, as HOCON allows: 256MiB. */
    long longIn(String path, long min, long max) {
      try {
        long v = c.getBytes(path);
        if (v < min || v > max) {
          problems.add(path + " must be between " + min + " and " + max + ", not " + v);
        }
        return v;
      } catch (ConfigException e) {
        problems.add(path + " must be a number of bytes: " + e.getMessage());
        return min;
      }
    }

    double positiveDouble(String path) {
      try {
        double v = c.getDouble(path);
        if (!(v > 0)) {
          problems.add(path + " must be positive, not " + v);
        }
        return v;
      } catch (ConfigException e) {
        problems.add(path + " must be a number: " + e.getMessage());
        return 1;
      }
    }

    Duration positiveDuration(String path) {
      try {
        Duration d = c.getDuration(path);
        if (d.isNegative() || d.isZero()) {
          problems.add(path + " must be positive, not " + d);
        }
        return d;
      } catch (ConfigException e) {
        problems.add(path + " must be a duration such as 10s or 24h: " + e.getMessage());
        return Duration.ofSeconds(1);
      }
    }

    Path optionalFile(String path) {
      String v = string(path);
      if (v.isBlank()) {
        return null;
      }
      Path p = Path.of(v);
      if (!Files.isReadable(p)) {
        problems.add(path + ": file " + p + " is not readable");
      }
      return p;
    }
  }
}
