package dev.beacon.server.simulate;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends a simulated fleet's history to a Beacon server through the Segment-compatible {@code
 * /v1/import} endpoint (the one that takes backdated events), in batches, retrying what the server
 * asks to retry. The messages have the shapes the SDK sends: reports with EMQX's field names,
 * werf's command events, DC/OS's health events.
 */
public final class Simulator {
  /** What was sent. */
  public record Result(long events, long accepted, long duplicates, long rejected) {}

  private static final int BATCH = 500;
  private final URI importUri;
  private final String authorization;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  public Simulator(URI endpoint, String writeKey) {
    String base = endpoint.toString().replaceAll("/+$", "");
    this.importUri = URI.create(base + "/v1/import");
    this.authorization =
        "Basic "
            + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
  }

  public Result run(int installations, int days, long seed)
      throws IOException, InterruptedException {
    List<Map<String, Object>> batch = new ArrayList<>(BATCH);
    long[] totals = new long[4];
    IOException[] failure = new IOException[1];
    new Fleet(installations, days, Instant.now(), seed)
        .generate(
            m -> {
              if (failure[0] != null) {
                return;
              }
              batch.add(m);
              if (batch.size() == BATCH) {
                failure[0] = flush(batch, totals);
              }
            });
    if (failure[0] == null && !batch.isEmpty()) {
      failure[0] = flush(batch, totals);
    }
    if (failure[0] != null) {
      throw failure[0];
    }
    return new Result(totals[0], totals[1], totals[2], totals[3]);
  }

  private IOException flush(List<Map<String, Object>> batch, long[] totals) {
    try {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("batch", batch);
      byte[] bytes = json.writeValueAsBytes(body);
      for (int attempt = 0; ; attempt++) {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(importUri)
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .header("Authorization", authorization)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if ((r.statusCode() == 429 || r.statusCode() == 503) && attempt < 20) {
          long wait = r.headers().firstValue("Retry-After").map(Long::parseLong).orElse(1L);
          Thread.sleep(Math.min(10, wait) * 1000);
          continue;
        }
        if (r.statusCode() != 200) {
          return new IOException("the server answered " + r.statusCode() + ": " + r.body());
        }
        var answer = json.readTree(r.body());
        totals[0] += batch.size();
        totals[1] += answer.path("accepted").asLong();
        totals[2] += answer.path("duplicates").asLong();
        totals[3] += answer.path("rejected").size();
        batch.clear();
        return null;
      }
    } catch (IOException e) {
      return e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new IOException("interrupted", e);
    }
  }
}
