package dev.beacon.server.simulate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.server.storage.StoredEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A simulated fleet as stored events, straight into a store (no HTTP), for query tests. */
public final class FleetFixture {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FleetFixture() {}

  @SuppressWarnings("unchecked")
  public static List<StoredEvent> storedEvents(
      String product, int installations, int days, long seed) {
    List<StoredEvent> out = new ArrayList<>();
    Instant received = Instant.now();
    new Fleet(installations, days, Instant.now(), seed)
        .generate(
            m -> {
              Map<String, Object> p = (Map<String, Object>) m.get("properties");
              Map<String, Object> ctx = (Map<String, Object>) m.get("context");
              Map<String, Object> app = (Map<String, Object>) ctx.get("app");
              boolean report = "report".equals(m.get("type"));
              out.add(
                  new StoredEvent(
                      product,
                      (String) m.get("messageId"),
                      (String) m.get("type"),
                      (String) m.get("event"),
                      (String) m.get("anonymousId"),
                      (String) ctx.get("clusterId"),
                      Instant.parse((String) m.get("timestamp")),
                      received,
                      (String) app.get("version"),
                      report ? (String) p.get("os_name") : null,
                      report ? (String) p.get("arch") : null,
                      report ? "jvm " + p.get("jvm_version") : null,
                      "beacon-simulate",
                      json(p),
                      json(ctx)));
            });
    return out;
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
