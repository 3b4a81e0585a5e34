package dev.beacon.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.SendResult;
import dev.beacon.sdk.micrometer.BeaconMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The example as a Spring Boot test on a random port, reporting to a real Beacon server (its jar,
 * on a free port) through a relay that keeps the bytes sent: the report carries the allowed meters
 * as rates, and nothing of the meters or tag values not allowed, on the wire and in the log file;
 * the server stores it and answers for its fields.
 */
@SpringBootTest(
    classes = SpringApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SpringAppServerIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;
  private static BeaconServerProcess server;
  private static RecordingRelay relay;

  @LocalServerPort int port;
  @Autowired Beacon beacon;
  @Autowired BeaconMeterRegistry meters;

  @BeforeAll
  static void startTheServer() throws Exception {
    server = BeaconServerProcess.start(tmp.resolve("beacon-data"));
    relay = new RecordingRelay(server.uri());
  }

  @AfterAll
  static void stopTheServer() throws Exception {
    relay.close();
    server.close();
  }

  @DynamicPropertySource
  static void beacon(DynamicPropertyRegistry r) {
    r.add("beacon.endpoint", () -> relay.uri().toString());
    r.add("beacon.write-key", () -> BeaconServerProcess.WRITE_KEY);
    r.add("beacon.state-directory", () -> tmp.resolve("state").toString());
    r.add("beacon.log-file", () -> tmp.resolve("telemetry.log").toString());
    r.add("beacon.initial-delay", () -> "1h"); // this test sends the report itself
  }

  @Test
  void theReportReachesTheServerWithTheAllowedMetersAsRatesAndNothingElse() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI base = URI.create("http://127.0.0.1:" + port);
    for (String item : new String[] {"alice-private-item", "tea", "tea"}) {
      HttpResponse<String> placed =
          http.send(
              HttpRequest.newBuilder(base.resolve("/orders"))
                  .POST(HttpRequest.BodyPublishers.ofString(item))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(placed.statusCode()).isEqualTo(201);
    }
    http.send(
        HttpRequest.newBuilder(base.resolve("/orders/424242")).build(),
        HttpResponse.BodyHandlers.discarding());

    // Spring records a request's timer as the exchange ends, which may be after the client has
    // the answer.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                meters.find("http.server.requests").timers().stream()
                        .mapToLong(t -> t.count())
                        .sum()
                    == 4);
    SendResult sent = beacon.control().sendReportNow();
    assertThat(sent.outcome()).as(sent.toString()).isEqualTo(SendResult.Outcome.DELIVERED);

    String wire =
        relay.bodies().stream().filter(b -> b.contains("\"report\"")).findFirst().orElseThrow();
    JsonNode report = JSON.readTree(wire).get("batch").get(0);
    JsonNode meters = report.at("/properties/meters");
    List<String> names = new ArrayList<>();
    meters.fieldNames().forEachRemaining(names::add);
    assertThat(names)
        .containsExactlyInAnyOrder(
            "window_seconds", "shop_orders_placed", "shop_orders_pricing", "http_server_requests");
    assertThat(meters.at("/shop_orders_placed/type").asText()).isEqualTo("counter");
    assertThat(meters.at("/shop_orders_placed/rate").asDouble()).isPositive();
    assertThat(meters.at("/shop_orders_pricing/count").asLong()).isEqualTo(3);
    assertThat(meters.at("/http_server_requests/count").asLong()).isEqualTo(4);
    assertThat(meters.at("/http_server_requests/by_tags").toString())
        .contains("\"status\":\"201\"", "\"status\":\"404\"", "\"method\":\"POST\"");
    assertThat(meters.at("/window_seconds").asDouble()).isPositive();
    assertThat(report.at("/properties/spring/starters").toString())
        .contains("spring-boot-starter-webmvc", "spring-boot-starter-actuator");
    assertThat(report.at("/properties/spring/modules").toString())
        .contains("spring-boot-webmvc", "spring-boot-actuator");

    Path log = tmp.resolve("telemetry.log");
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log));
    String logged = Files.readString(log, StandardCharsets.UTF_8);
    for (String text : new String[] {wire, logged}) {
      assertThat(text)
          .contains("shop_orders_placed")
          // meters not allowed (the JVM's, Tomcat's), tags not allowed (item, uri) and their values
          .doesNotContain(
              "jvm_memory", "jvm_threads", "jvm_gc", "tomcat_sessions", "process_cpu", "logback")
          .doesNotContain("\"item\"", "alice", "\"uri\"", "/orders", "424242");
    }

    JsonNode summary = server.api("/api/v1/products/shop/summary?days=1");
    assertThat(summary.get("active_installations").asInt()).isEqualTo(1);
    JsonNode field =
        server.api("/api/v1/products/shop/fleet/field?days=1&path=meters.shop_orders_placed.type");
    assertThat(field.get("rows").toString()).contains("\"counter\"");
  }
}
