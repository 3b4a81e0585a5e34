package dev.beacon.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reference payloads of the seed products, exactly as they send them. Tests on both sides use them
 * to prove the server accepts the seeds' wire formats unchanged.
 *
 * @since 0.1.0
 */
public enum GoldenPayloads {
  /** An EMQX 5 periodic report, as posted to {@code /api/telemetry}. */
  EMQX_5_REPORT("emqx5-report.json"),
  /** An EMQX 4.2 report, the older shape with {@code active_modules}. */
  EMQX_4_REPORT("emqx4-report.json"),
  /**
   * DC/OS Signal's three events of seed 003 (package_list, health, mesos_track), as the Segment
   * batch Signal posts, with the ids and timestamps a Segment library adds.
   */
  DCOS_SIGNAL_BATCH("dcos-signal-batch.json"),
  /**
   * One werf event (a {@code CommandStarted} span, named and scoped {@code telemetry.werf.io}, with
   * werf's attributes: {@code ts}, {@code executionID}, {@code userID}, {@code projectID}, {@code
   * command}, {@code eventType}, {@code eventData} and {@code attributes} as JSON strings, {@code
   * schemaVersion}) as the OTLP/HTTP protobuf body werf posts to {@code /v1/traces}.
   *
   * @since 0.2.0
   */
  WERF_SPAN_PROTOBUF("werf-span.binpb"),
  /**
   * The same request in OTLP JSON (hex ids, enums as numbers, 64-bit integers as strings).
   *
   * @since 0.2.0
   */
  WERF_SPAN_JSON("werf-span.json"),
  /**
   * A batch posthog-js 1.449.2 sent from a page, as the bytes it posted to {@code /e/}: gzip (its
   * default compression since the remote config offers it), an envelope {@code {api_key, batch,
   * sent_at}} with a {@code report_exported} and an {@code after_identify} event (sent after {@code
   * identify('user-42')}) and every property posthog-js adds, the page's URL and the user's ids
   * among them.
   *
   * @since 0.2.0
   */
  POSTHOG_JS_BATCH_GZIP("posthog-js-batch.json.gz"),
  /**
   * A {@code page} call @segment/analytics-next 1.84.3 posted to {@code /v1/p}, with the page's
   * location, the user agent and the write key in the body.
   *
   * @since 0.2.0
   */
  ANALYTICS_JS_PAGE("analytics-js-page.json");

  private final String resource;

  GoldenPayloads(String resource) {
    this.resource = resource;
  }

  /** True when the payload is JSON text (else protobuf or gzip bytes: see {@link #bytes()}). */
  public boolean isJson() {
    return resource.endsWith(".json");
  }

  /**
   * The payload as UTF-8 JSON text.
   *
   * @throws IllegalStateException for a binary payload
   */
  public String json() {
    if (!isJson()) {
      throw new IllegalStateException(name() + " is not JSON text: read its bytes()");
    }
    return new String(bytes(), StandardCharsets.UTF_8);
  }

  /**
   * The payload's bytes, exactly as sent.
   *
   * @since 0.2.0
   */
  public byte[] bytes() {
    try (InputStream in = GoldenPayloads.class.getResourceAsStream("golden/" + resource)) {
      if (in == null) {
        throw new IllegalStateException("golden payload missing from the jar: " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
