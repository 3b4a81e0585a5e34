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
  DCOS_SIGNAL_BATCH("dcos-signal-batch.json");

  private final String resource;

  GoldenPayloads(String resource) {
    this.resource = resource;
  }

  /** The payload as UTF-8 JSON text. */
  public String json() {
    try (InputStream in = GoldenPayloads.class.getResourceAsStream("golden/" + resource)) {
      if (in == null) {
        throw new IllegalStateException("golden payload missing from the jar: " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
