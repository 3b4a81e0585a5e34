package dev.beacon.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.config.SettingSource;
import dev.beacon.server.storage.OwnerOnly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The products this server accepts and their write keys: those of the configuration (read-only
 * here) and those created from the dashboard, kept in {@code <data>/products.json} with only a
 * SHA-256 of each key (a key is shown once, when it is made). Also the dashboard's editable
 * settings: the minimum installations per bucket and the retention; and the read-only API tokens,
 * each kept as a SHA-256 too (shown once).
 *
 * <p>The file may be changed by another process too ({@code ./beacon products add} beside a running
 * server): every change reads it again and writes it under a file lock ({@code
 * products.json.lock}), and a key or a product that matches nothing here makes the registry read
 * the file again if it changed.
 */
public final class ProductRegistry {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

  /** A product as the Settings view lists it. */
  public record Product(String name, boolean configured) {}

  private final Map<String, String> configured;
  private final Path file;
  private final Object lock = new Object();

  /** Read by every ingest request, changed from the dashboard: a concurrent, sorted map. */
  private final Map<String, String> managedKeyHashes = new ConcurrentSkipListMap<>();

  private volatile FileState loadedVersion;

  /** Read by every request with a bearer token, changed from Settings: by id. */
  private final Map<String, ApiToken> tokens = new ConcurrentSkipListMap<>();

  private final EditableSetting minInstallations;
  private final EditableSetting retentionDays;

  /** A registry whose two settings come from the defaults (the dashboard may change both). */
  public ProductRegistry(
      Map<String, String> configured, Path file, int minInstallations, int retentionDays) {
    this(
        configured,
        file,
        minInstallations,
        SettingSource.DEFAULT,
        retentionDays,
        SettingSource.DEFAULT);
  }

  /**
   * @param minInstallationsSource where the configuration's {@code minInstallations} came from: the
   *     dashboard cannot change a value that the command line, environment or file set
   */
  public ProductRegistry(
      Map<String, String> configured,
      Path file,
      int minInstallations,
      SettingSource minInstallationsSource,
      int retentionDays,
      SettingSource retentionSource) {
    this.configured = Map.copyOf(configured);
    this.file = file;
    this.minInstallations =
        new EditableSetting(
            ConfigLoader.MIN_INSTALLATIONS,
            "min_installations",
            minInstallations,
            minInstallationsSource);
    this.retentionDays =
        new EditableSetting(
            ConfigLoader.RETENTION, "retention_days", retentionDays, retentionSource);
    synchronized (lock) {
      load();
    }
  }

  /** Whether the product is declared; one added by another process is found within a second. */
  public boolean exists(String product) {
    return known(product) || (reloadIfChanged() && known(product));
  }

  private boolean known(String product) {
    return configured.containsKey(product) || managedKeyHashes.containsKey(product);
  }

  /**
   * The product a write key belongs to, or null. Every key is compared, in constant time. A key
   * that matches none reads {@code products.json} again if another process changed it.
   */
  public String productForKey(String key) {
    String found = match(key);
    if (found == null && reloadIfChanged()) {
      found = match(key);
    }
    return found;
  }

  private String match(String key) {
    byte[] presented = key.getBytes(StandardCharsets.UTF_8);
    String found = null;
    for (Map.Entry<String, String> e : configured.entrySet()) {
      if (MessageDigest.isEqual(e.getValue().getBytes(StandardCharsets.UTF_8), presented)) {
        found = e.getKey();
      }
    }
    byte[] hash = sha256(key).getBytes(StandardCharsets.UTF_8);
    // No lock: every request comes here, and a change may wait on another process's file lock.
    for (Map.Entry<String, String> e : managedKeyHashes.entrySet()) {
      if (MessageDigest.isEqual(e.getValue().getBytes(StandardCharsets.UTF_8), hash)) {
        found = e.getKey();
      }
    }
    return found;
  }

  public List<Product> products() {
    reloadIfChanged();
    Map<String, Product> all = new TreeMap<>();
    managedKeyHashes.keySet().forEach(n -> all.put(n, new Product(n, false)));
    configured.keySet().forEach(n -> all.put(n, new Product(n, true)));
    return new ArrayList<>(all.values());
  }

  /** Declares a product; answers its new write key (shown once). */
  public String create(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a product name is lower case letters, digits, '-' or '_', starting with a letter");
    }
    return change(
        () -> {
          if (exists(name)) {
            throw new IllegalStateException("product '" + name + "' exists already");
          }
          return newKey(name);
        });
  }

  /** A new write key for a product made here; the old key stops working at once. */
  public String rotate(String name) {
    return change(
        () -> {
          requireManaged(name);
          return newKey(name);
        });
  }

  /** Removes a product made here: its key stops working; its events stay. */
  public void revoke(String name) {
    change(
        () -> {
          requireManaged(name);
          managedKeyHashes.remove(name);
          return null;
        });
  }

  /**
   * A change of {@code products.json}: under the file lock, on what the file holds now (another
   * process may have changed it), written back before the lock is let go.
   */
  private <T> T change(Supplier<T> change) {
    // A file lock is held by the JVM, not a thread: two registries of one file in one process
    // (a test's server and command line) take turns on a lock of the process first.
    // The file lock first, outside the registry's own lock (and a ReentrantLock, which a waiting
    // virtual thread does not pin its carrier on): readers never wait for another process.
    ReentrantLock inProcess =
        IN_PROCESS.computeIfAbsent(file.toAbsolutePath().normalize(), f -> new ReentrantLock());
    inProcess.lock();
    try {
      Path lockFile = lockFile();
      try (FileChannel channel =
          FileChannel.open(
              lockFile,
              Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
              OwnerOnly.fileAttributes(lockFile.toAbsolutePath().getParent()))) {
        channel.lock(); // released when the channel closes
        synchronized (lock) {
          load();
          T result = change.get();
          save();
          return result;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot lock " + lockFile, e);
      }
    } finally {
      inProcess.unlock();
    }
  }

  private Path lockFile() {
    return file.resolveSibling(file.getFileName() + ".lock");
  }

  /**
   * Reads the file again if it changed since it was read. The check is one stat of the file (a
   * microsecond or two), cheap enough for every unknown key a flood may bring.
   */
  private boolean reloadIfChanged() {
    FileState version = version();
    if (version == null || version.equals(loadedVersion)) {
      return false;
    }
    synchronized (lock) {
      load();
    }
    return true;
  }

  /**
   * What tells one content of the file from another: a save replaces the file (a new inode), so the
   * inode with the size and time tells even two saves within one tick of the clock apart.
   */
  private record FileState(FileTime modified, Object fileKey, long size) {}

  private FileState version() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return new FileState(a.lastModifiedTime(), a.fileKey(), a.size());
    } catch (IOException e) {
      return null;
    }
  }

  public int minInstallations() {
    return minInstallations.value();
  }

  public int retentionDays() {
    return retentionDays.value();
  }

  /** Where each editable setting's value came from, by its name in the API. */
  public Map<String, SettingSource> settingSources() {
    return Map.of(
        minInstallations.jsonName, minInstallations.source(),
        retentionDays.jsonName, retentionDays.source());
  }

  /** One line per editable setting: its value and the source that won, for the start-up log. */
  public List<String> settingsReport() {
    return List.of(retentionDays.report(), minInstallations.report());
  }

  /**
   * An admin's change of the settings. A value equal to the current one is no change; changing a
   * value that the configuration sets is refused (it would be lost at the next start).
   *
   * @throws IllegalArgumentException for a value out of range
   * @throws IllegalStateException for a change of a configured value
   */
  public void settings(int minInstallations, int retentionDays) {
    if (minInstallations < 1 || minInstallations > 1_000_000) {
      throw new IllegalArgumentException("min_installations must be from 1 to 1000000");
    }
    if (retentionDays < 0 || retentionDays > 100_000) {
      throw new IllegalArgumentException("retention_days must be from 0 (keep all) to 100000");
    }
    change(
        () -> {
          this.minInstallations.checkChange(minInstallations); // both, before either changes
          this.retentionDays.checkChange(retentionDays);
          this.minInstallations.change(minInstallations);
          this.retentionDays.change(retentionDays);
          return null;
        });
  }

  /**
   * Makes a read-only API token; answers it (shown once) with what is kept of it.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public Map.Entry<String, ApiToken> createToken(
      String name, List<String> forProducts, Set<String> scopes, int days) {
    if (name == null || name.isBlank() || name.length() > 100) {
      throw new IllegalArgumentException("a token's name is 1 to 100 characters");
    }
    if (forProducts == null || forProducts.isEmpty()) {
      throw new IllegalArgumentException("name the products the token may read");
    }
    for (String p : forProducts) {
      if (!exists(p)) {
        throw new IllegalArgumentException("no product named '" + p + "'");
      }
    }
    for (String scope : scopes) {
      if (!ApiToken.SCOPES.contains(scope)) {
        throw new IllegalArgumentException(
            "a scope is export or erase (reading is every token's), not '" + scope + "'");
      }
    }
    if (days < 1 || days > 3650) {
      throw new IllegalArgumentException("a token expires after 1 to 3650 days");
    }
    return change(
        () -> {
          byte[] random = new byte[24];
          SecureRandom r = new SecureRandom();
          r.nextBytes(random);
          String secret = "bt_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
          byte[] id = new byte[6];
          r.nextBytes(id);
          Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
          ApiToken t =
              new ApiToken(
                  "tok_" + HexFormat.of().formatHex(id),
                  name.strip(),
                  sha256(secret),
                  new ArrayList<>(new TreeSet<>(forProducts)),
                  scopes,
                  now,
                  now.plus(days, ChronoUnit.DAYS));
          tokens.put(t.id(), t);
          return Map.entry(secret, t);
        });
  }

  /** The tokens, without their secrets (only hashes are kept). */
  public List<ApiToken> tokens() {
    reloadIfChanged();
    return new ArrayList<>(tokens.values());
  }

  /** Revokes a token: it stops working at once. */
  public void revokeToken(String id) {
    change(
        () -> {
          if (tokens.remove(id) == null) {
            throw new IllegalArgumentException("no token with id '" + id + "'");
          }
          return null;
        });
  }

  /**
   * The token a bearer presents, or null (unknown or revoked; expiry is the caller's check). Every
   * hash is compared, in constant time. The file is read again first if it changed (one stat), so
   * that a token revoked or changed by another process stops working at once.
   */
  public ApiToken token(String secret) {
    reloadIfChanged();
    byte[] hash = sha256(secret).getBytes(StandardCharsets.UTF_8);
    ApiToken found = null;
    for (ApiToken t : tokens.values()) {
      if (MessageDigest.isEqual(t.hash().getBytes(StandardCharsets.UTF_8), hash)) {
        found = t;
      }
    }
    return found;
  }

  private void requireManaged(String name) {
    if (configured.containsKey(name)) {
      throw new IllegalStateException(
          "product '" + name + "' is declared in the configuration; change its key there");
    }
    if (!managedKeyHashes.containsKey(name)) {
      throw new IllegalArgumentException("no product named '" + name + "'");
    }
  }

  private String newKey(String name) {
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    String key = "wk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    managedKeyHashes.put(name, sha256(key));
    return key;
  }

  /** Reads the file: its products replace those held (one revoked elsewhere goes). */
  private void load() {
    if (!Files.isReadable(file)) {
      return;
    }
    try {
      FileState version = version();
      JsonNode n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
      Map<String, String> read = new TreeMap<>();
      n.path("products").properties().forEach(e -> read.put(e.getKey(), e.getValue().asText()));
      // A name the configuration declares is the configuration's, whatever the file holds (one a
      // command line with another configuration added): no second key for it.
      read.keySet().removeAll(configured.keySet());
      managedKeyHashes.keySet().retainAll(read.keySet());
      managedKeyHashes.putAll(read);
      Map<String, ApiToken> readTokens = new TreeMap<>();
      for (JsonNode t : n.path("tokens")) {
        List<String> ps = new ArrayList<>();
        t.path("products").forEach(p -> ps.add(p.asText()));
        Set<String> scopes = new TreeSet<>();
        t.path("scopes").forEach(x -> scopes.add(x.asText()));
        ApiToken token =
            new ApiToken(
                t.path("id").asText(),
                t.path("name").asText(),
                t.path("sha256").asText(),
                ps,
                scopes,
                Instant.parse(t.path("created").asText()),
                Instant.parse(t.path("expires").asText()));
        readTokens.put(token.id(), token);
      }
      tokens.keySet().retainAll(readTokens.keySet());
      tokens.putAll(readTokens);
      loadedVersion = version;
      JsonNode changed = n.path("settings");
      for (EditableSetting setting : List.of(minInstallations, retentionDays)) {
        if (changed.path(setting.jsonName).isInt()) {
          setting.load(changed.get(setting.jsonName).asInt(), false);
        } else if (n.path(setting.jsonName).isInt()) { // written by an older Beacon
          setting.load(n.get(setting.jsonName).asInt(), true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private void save() {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode products = n.putObject("products");
    managedKeyHashes.forEach(products::put);
    ArrayNode savedTokens = n.putArray("tokens");
    for (ApiToken t : tokens.values()) {
      ObjectNode o = savedTokens.addObject();
      o.put("id", t.id());
      o.put("name", t.name());
      o.put("sha256", t.hash());
      ArrayNode readable = o.putArray("products");
      t.products().forEach(readable::add);
      ArrayNode scopes = o.putArray("scopes");
      new TreeSet<>(t.scopes()).forEach(scopes::add);
      o.put("created", t.created().toString());
      o.put("expires", t.expires().toString());
    }
    ObjectNode changed = n.putObject("settings"); // only what an admin changed
    for (EditableSetting setting : List.of(minInstallations, retentionDays)) {
      if (setting.changedInDashboard() != null) {
        changed.put(setting.jsonName, setting.changedInDashboard());
      }
    }
    try {
      OwnerOnly.write(file, n.toPrettyString());
      loadedVersion = version();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
