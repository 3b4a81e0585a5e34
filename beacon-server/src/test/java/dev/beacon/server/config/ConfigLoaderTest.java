package dev.beacon.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beacon.server.auth.ProductRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void defaultsGiveAnEmbeddedServerOnPort8080() {
    ServerConfig c = ConfigLoader.load(null, Map.of(), Map.of());
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.storageType()).isEqualTo("duckdb");
    assertThat(c.dataDir()).isEqualTo(Path.of("beacon-data"));
    assertThat(c.limits().maxRequestBytes()).isEqualTo(1024 * 1024);
    assertThat(c.limits().maxEventBytes()).isEqualTo(64 * 1024);
    assertThat(c.dedupWindow()).isEqualTo(Duration.ofHours(24));
    assertThat(c.writeKeys()).isEmpty();
    // The web layer's guards (L1/L2, L5, L13, M1), as the README's table gives them.
    assertThat(c.web().connections())
        .isEqualTo(
            new ServerConfig.Connections(
                1000, 256, Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(30)));
    assertThat(c.web().metrics()).isEqualTo(new ServerConfig.Metrics(true, null));
    assertThat(c.web().sessions())
        .isEqualTo(new ServerConfig.SessionLimits(Duration.ofHours(12), Duration.ofHours(8)));
    assertThat(c.web().logins())
        .isEqualTo(
            new ServerConfig.LoginLimits(
                10, Duration.ofSeconds(30), 100, Duration.ofSeconds(1), Duration.ofHours(24)));
  }

  @Test
  void environmentOverridesTheFileAndTheCommandLineOverridesBoth() throws Exception {
    Path file = dir.resolve("beacon.conf");
    Files.writeString(
        file,
        """
        server { port = 9000 }
        products { emqx { write_key = "from-file-key" } }
        limits.max_depth = 20
        """);
    ServerConfig c =
        ConfigLoader.load(
            file,
            Map.of(
                "BEACON_SERVER__PORT", "9100",
                "BEACON_PRODUCTS__EMQX__WRITE_KEY", "from-env-key",
                "BEACON_PRODUCTS__WERF__WRITE_KEY", "werf-key-123",
                "BEACON_COMPAT__EMQX__PRODUCT", "emqx",
                "BEACON_ADMIN__PASSWORD", "s3cret",
                "BEACON_JAVA_OPTS", "-Xmx1g",
                "PATH", "/usr/bin"),
            Map.of("data_dir", "/tmp/x"));
    assertThat(c.port()).isEqualTo(9100);
    assertThat(c.limits().maxDepth()).isEqualTo(20);
    assertThat(c.writeKeys())
        .containsEntry("emqx", "from-env-key")
        .containsEntry("werf", "werf-key-123");
    assertThat(c.emqxProduct()).isEqualTo("emqx");
    assertThat(c.adminPassword()).isEqualTo("s3cret");
    assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/x"));
    ProductRegistry keys = new ProductRegistry(c.writeKeys(), dir.resolve("products.json"), 1, 0);
    assertThat(keys.productForKey("werf-key-123")).isEqualTo("werf");
    assertThat(keys.productForKey("nope")).isNull();
  }

  /** M7: the dashboard's values rank below these, so each editable setting keeps its source. */
  @Test
  void theSourceOfEachDashboardEditableSettingIsKept_M7() throws Exception {
    Path file = dir.resolve("beacon.conf");
    Files.writeString(file, "retention.days = 30\ndashboard.min_installations = 4\n");
    assertThat(ConfigLoader.load(file, Map.of(), Map.of()).web().editableSources())
        .containsEntry("retention.days", SettingSource.FILE)
        .containsEntry("dashboard.min_installations", SettingSource.FILE);
    ServerConfig c =
        ConfigLoader.load(
            file, Map.of("BEACON_RETENTION__DAYS", "0"), Map.of("dashboard.min_installations", 2));
    assertThat(c.retentionDays()).isZero();
    assertThat(c.minInstallationsPerBucket()).isEqualTo(2);
    assertThat(c.web().editableSources())
        .containsEntry("retention.days", SettingSource.ENVIRONMENT)
        .containsEntry("dashboard.min_installations", SettingSource.COMMAND_LINE);
    assertThat(ConfigLoader.load(null, Map.of(), Map.of()).web().editableSources())
        .containsEntry("retention.days", SettingSource.DEFAULT);
  }

  /** Issue 14: every wrong Kafka setting is listed at start, with the others. */
  @Test
  void kafkaSettingsAreCheckedAndTheirClientSettingsPassThrough() {
    Map<String, String> env = new HashMap<>();
    env.put("BEACON_STORAGE__TYPE", "postgres");
    env.put("BEACON_STORAGE__POSTGRES__URL", "jdbc:postgresql://localhost/beacon");
    env.put("BEACON_KAFKA__BOOTSTRAP_SERVERS", "k1:9092, [::1]:9093");
    env.put("BEACON_KAFKA__CLIENT__SECURITY_PROTOCOL", "SASL_SSL");
    env.put("BEACON_KAFKA__CLIENT__SASL_MECHANISM", "PLAIN");
    ServerConfig c = ConfigLoader.load(null, env, Map.of());
    assertThat(c.kafka().enabled()).isTrue();
    assertThat(c.kafka().client())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "PLAIN");
    assertThat(c.kafka().topic()).isEqualTo("beacon.events");

    Map<String, String> wrong = new HashMap<>();
    wrong.put("BEACON_KAFKA__BOOTSTRAP_SERVERS", "nohost,k2:9092");
    wrong.put("BEACON_KAFKA__PARTITIONS", "0");
    wrong.put("BEACON_KAFKA__TOPIC", "a topic");
    wrong.put("BEACON_KAFKA__CLIENT__ACKS", "1");
    wrong.put("BEACON_KAFKA__CLIENT__NO_SUCH_THING", "x");
    assertThatThrownBy(() -> ConfigLoader.load(null, wrong, Map.of()))
        .isInstanceOfSatisfying(
            InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(p -> assertThat(p).contains("'nohost' is not HOST:PORT"))
                    .anySatisfy(p -> assertThat(p).contains("kafka.partitions"))
                    .anySatisfy(p -> assertThat(p).contains("kafka.topic must be"))
                    .anySatisfy(p -> assertThat(p).contains("acks is set by Beacon"))
                    .anySatisfy(p -> assertThat(p).contains("have no setting no.such.thing"))
                    .anySatisfy(p -> assertThat(p).contains("storage.type must be postgres")));
  }

  /** Issue 16: the public page is opt-in per product, k at least 10; wrong values are named. */
  @Test
  void publicPagesAreOptInAndTheirKIsAtLeastTen() {
    Map<String, String> env =
        Map.of(
            "BEACON_PRODUCTS__ACME__WRITE_KEY", "wk_acme_0123",
            "BEACON_PRODUCTS__ACME__PUBLIC", "true",
            "BEACON_PRODUCTS__EMQX__WRITE_KEY", "wk_emqx_0123");
    ServerConfig c = ConfigLoader.load(null, env, Map.of());
    assertThat(c.web().publicProducts()).containsExactly("acme");
    assertThat(c.web().publicMinInstallations()).isEqualTo(10);
    Map<String, String> wrong = new HashMap<>(env);
    wrong.put("BEACON_PRODUCTS__ACME__PUBLIC", "maybe");
    wrong.put("BEACON_PUBLIC__MIN_INSTALLATIONS", "3");
    assertThatThrownBy(() -> ConfigLoader.load(null, wrong, Map.of()))
        .isInstanceOfSatisfying(
            InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(
                        p -> assertThat(p).isEqualTo("products.acme.public must be true or false"))
                    .anySatisfy(p -> assertThat(p).contains("public.min_installations")));
  }

  /** Found by ConfigLoaderFuzzTest: each threw a Typesafe Config exception out of the loader. */
  @Test
  void anEnvironmentVariableThatNamesNoSettingIsAProblemNotACrash() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BEACON_PRODUCTS__", "x"), Map.of()))
        .isInstanceOfSatisfying(
            InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "the environment variable BEACON_PRODUCTS__ names no setting: levels are"
                            + " letters, digits, '_' or '-', joined by '__'"));
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BEACON_PRODUCTS", "x"), Map.of()))
        .isInstanceOfSatisfying(
            InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(p -> assertThat(p).contains("products has type STRING")));
  }

  @Test
  void everyInvalidSettingIsListedAtOnce() throws Exception {
    Path file = dir.resolve("bad.conf");
    Files.writeString(file, "server.port = 70000\nstorage.type = mysql\nlimtis.max_depth = 3\n");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    file,
                    Map.of(
                        "BEACON_WRITER__ACK_TIMEOUT", "soon",
                        "BEACON_PRODUCTS__BAD_KEY__WRITE_KEY", "short",
                        "BEACON_COMPAT__EMQX__PRODUCT", "emqx",
                        "BEACON_SERVER__TLS__CERT", "/nonexistent/cert.pem"),
                    Map.of()))
        .isInstanceOfSatisfying(
            InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .contains("server.port must be between 0 and 65535, not 70000"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .contains(
                                    "storage.type must be one of [duckdb, postgres], not 'mysql'"))
                    .anySatisfy(p -> assertThat(p).contains("unknown setting 'limtis.max_depth'"))
                    .anySatisfy(
                        p -> assertThat(p).contains("writer.ack_timeout must be a duration"))
                    .anySatisfy(
                        p -> assertThat(p).contains("products.bad_key.write_key is shorter than 8"))
                    .anySatisfy(p -> assertThat(p).contains("compat.emqx.product names 'emqx'"))
                    .anySatisfy(
                        p -> assertThat(p).contains("/nonexistent/cert.pem is not readable"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .contains(
                                    "server.tls.cert and server.tls.key must be set together")));
  }
}
