package dev.beacon.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.protocol.Wire;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./beacon upload}: sends later, from a machine with a connection, the payloads a product
 * kept in local mode (its log file, or {@code <state>/local-payloads.jsonl}: one payload as it
 * would have been sent per line). Each payload goes as it was, so its message ids make a second
 * upload of the same file store nothing twice; the report says, per file, what was accepted, what
 * was there already, and what was refused and why.
 */
@Command(
    name = "upload",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = {
      "Send payloads kept in local mode (a product's telemetry log file) to a Beacon server.",
      "Uploading a file twice stores nothing twice (message ids). The write key can also come from"
          + " BEACON_WRITE_KEY."
    })
final class UploadCommand implements Callable<Integer> {
  static final String WRITE_KEY_ENV = "BEACON_WRITE_KEY";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_LINE_BYTES = 1 << 20;
  private static final int ATTEMPTS = 8;

  @Spec CommandSpec spec;

  @Option(
      names = "--endpoint",
      required = true,
      paramLabel = "URL",
      description = "The Beacon server, e.g. https://telemetry.example.com.")
  String endpoint;

  @Option(
      names = "--write-key",
      paramLabel = "K",
      description = "The product's write key (else " + WRITE_KEY_ENV + ").")
  String writeKey;

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "Payload files (JSON lines).")
  List<Path> files;

  /** What one file's upload came to. */
  private static final class Tally {
    long payloads;
    long accepted;
    long duplicates;
    long rejected;
    long skippedLines;
    final Map<String, Long> reasons = new TreeMap<>();
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      String key = writeKey != null ? writeKey : BeaconCli.env().get(WRITE_KEY_ENV);
      if (key == null || key.isBlank()) {
        err.println("beacon upload: give the write key with --write-key or " + WRITE_KEY_ENV);
        return 2;
      }
      URI batch;
      try {
        URI base = URI.create(endpoint.endsWith("/") ? endpoint : endpoint + "/");
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
          throw new IllegalArgumentException();
        }
        batch = base.resolve(Wire.BATCH_PATH.substring(1));
      } catch (IllegalArgumentException e) {
        err.println("beacon upload: --endpoint must be an http:// or https:// URL");
        return 2;
      }
      String auth =
          "Basic "
              + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      boolean clean = true;
      for (Path file : files) {
        Tally t = new Tally();
        String failure = upload(http, batch, auth, file, t, err);
        out.println(
            file
                + ": "
                + t.payloads
                + " payloads, "
                + t.accepted
                + " events accepted, "
                + t.duplicates
                + " there already, "
                + t.rejected
                + " rejected"
                + (t.skippedLines > 0 ? ", " + t.skippedLines + " lines not a payload" : "")
                + (failure == null ? "" : "; stopped: " + failure));
        t.reasons.forEach((reason, n) -> out.println("  rejected " + n + "x: " + reason));
        clean &= failure == null && t.rejected == 0 && t.skippedLines == 0;
      }
      return clean ? 0 : 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** Sends a file's payloads in order; answers why it stopped early, or null. */
  private static String upload(
      HttpClient http, URI batch, String auth, Path file, Tally t, PrintWriter err)
      throws InterruptedException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode payload;
        try {
          payload = line.length() > MAX_LINE_BYTES ? null : JSON.readTree(line);
        } catch (IOException notJson) {
          payload = null;
        }
        if (payload == null || !payload.path(Wire.BATCH).isArray()) {
          t.skippedLines++;
          continue;
        }
        t.payloads++;
        String failure = send(http, batch, auth, line, t);
        if (failure != null) {
          return failure;
        }
      }
      return null;
    } catch (IOException e) {
      err.println("beacon upload: cannot read " + file + ": " + e.getMessage());
      return "cannot read the file";
    }
  }

  /** One payload, retried while the server asks to wait; null when it got an answer. */
  private static String send(HttpClient http, URI batch, String auth, String payload, Tally t)
      throws InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(batch)
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .header("Authorization", auth)
            .header("User-Agent", "beacon-upload/" + BeaconCli.version())
            .POST(HttpRequest.BodyPublishers.ofByteArray(gzip(payload)))
            .build();
    long wait = 1000;
    for (int attempt = 1; ; attempt++) {
      HttpResponse<String> r;
      try {
        r = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        if (attempt == ATTEMPTS) {
          return "the server could not be reached (" + e.getClass().getSimpleName() + ")";
        }
        Thread.sleep(wait);
        wait = Math.min(wait * 2, 30_000);
        continue;
      }
      int status = r.statusCode();
      if ((status == 429 || status == 503 || status >= 500) && attempt < ATTEMPTS) {
        long after = retryAfterMillis(r.headers().firstValue("Retry-After").orElse(""));
        Thread.sleep(Math.min(Math.max(wait, after), 60_000));
        wait = Math.min(wait * 2, 30_000);
        continue;
      }
      if (status == 401 || status == 403) {
        return "the server refused the write key (HTTP " + status + ")";
      }
      JsonNode body;
      try {
        body = JSON.readTree(r.body());
      } catch (IOException e) {
        body = JSON.createObjectNode();
      }
      if (status == 200) {
        t.accepted += body.path("accepted").asLong();
        t.duplicates += body.path("duplicates").asLong();
        for (JsonNode rejected : body.path("rejected")) {
          t.rejected++;
          t.reasons.merge(rejected.path("reason").asText("?"), 1L, Long::sum);
        }
        return null;
      }
      if (status >= 400 && status < 500) {
        long n = 0;
        try {
          n = JSON.readTree(payload).path(Wire.BATCH).size();
        } catch (IOException e) {
          n = 0; // read before: cannot happen
        }
        t.rejected += n;
        t.reasons.merge(
            "HTTP " + status + ": " + body.path("message").asText(r.body()), n, Long::sum);
        return null;
      }
      return "the server answered HTTP " + status + " " + attempt + " times";
    }
  }

  /** {@code Retry-After} in seconds, as Beacon sends it; 0 for anything else. */
  static long retryAfterMillis(String value) {
    try {
      return Math.min(Long.parseLong(value.strip()), 60) * 1000;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static byte[] gzip(String s) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
      gz.write(s.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return b.toByteArray();
  }
}
