package dev.beacon.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The server's settings, validated. Built by {@link ConfigLoader}. */
public record ServerConfig(
    String host,
    int port,
    Path tlsCert,
    Path tlsKey,
    Path dataDir,
    String storageType,
    Postgres postgres,
    Limits limits,
    Writer writer,
    String adminPassword,
    Map<String, String> writeKeys,
    String emqxProduct,
    int retentionDays,
    int quarantineMax,
    long quarantineMaxBytes,
    Duration dedupWindow,
    int dedupMaxIds,
    int minInstallationsPerBucket) {

  public record Postgres(String url, String user, String password, int poolSize) {}

  public record Limits(
      int maxRequestBytes,
      int maxEventBytes,
      int maxDepth,
      int maxStringChars,
      int maxGzipRatio,
      double requestsPerSecondPerKey,
      int burstPerKey,
      double emqxRequestsPerSecond,
      double emqxRequestsPerSecondPerSource,
      int emqxMaxReportBytes,
      long emqxMaxBytesPerDay) {}

  public record Writer(
      int maxQueuedEvents, long maxQueuedBytes, int maxGroupEvents, Duration ackTimeout) {}

  public boolean tls() {
    return tlsCert != null;
  }
}
