package dev.beacon.server.kafka;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;

/**
 * A real Apache Kafka broker (KRaft, broker and controller in one) in a child JVM, from the Maven
 * Central jars on the test classpath ({@code kafka.tools.StorageTool}, then {@code kafka.Kafka}):
 * it can be killed ({@code kill -9}) and started again on its log directory, as a broker restart
 * is. Its output goes to {@code broker.log} in its directory.
 */
public final class KafkaBroker implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final int controllerPort;
  private Process process;

  private KafkaBroker(Path dir) throws IOException {
    this.dir = dir;
    this.port = freePort();
    this.controllerPort = freePort();
  }

  /** Formats a new broker's storage in {@code dir} and starts it. */
  public static KafkaBroker start(Path dir) throws Exception {
    Files.createDirectories(dir);
    KafkaBroker b = new KafkaBroker(dir);
    Files.writeString(
        b.properties(),
        String.join(
            "\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.bootstrap.servers=localhost:" + b.controllerPort,
            "listeners=PLAINTEXT://localhost:"
                + b.port
                + ",CONTROLLER://localhost:"
                + b.controllerPort,
            "advertised.listeners=PLAINTEXT://localhost:" + b.port,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs=" + dir.resolve("logs"),
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "num.partitions=1",
            ""));
    int formatted =
        b.java(
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-t",
                Uuid.randomUuid().toString(),
                "-c",
                b.properties().toString())
            .waitFor();
    if (formatted != 0) {
      throw new IllegalStateException(
          "kafka-storage format failed: " + Files.readString(dir.resolve("broker.log")));
    }
    b.start();
    return b;
  }

  private Path properties() {
    return dir.resolve("server.properties");
  }

  /** Starts the broker (again) and waits until it answers. */
  public void start() throws Exception {
    process = java("kafka.Kafka", properties().toString());
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the broker exited: " + tail());
      }
      try (Admin admin =
          Admin.create(
              Map.of(
                  CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                  CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                  CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
        admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        last = e;
        Thread.sleep(300);
      }
    }
    throw new IllegalStateException(
        "the broker did not answer within 90 s: " + last + "\n" + tail());
  }

  /** {@code kill -9}: no clean shutdown. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** The broker process's id (for a benchmark's CPU accounting). */
  public long pid() {
    return process.pid();
  }

  public String bootstrap() {
    return "localhost:" + port;
  }

  private Process java(String main, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(
        List.of(
            "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), main));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
        .start();
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("broker.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          kill();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
