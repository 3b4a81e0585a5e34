package dev.beacon.server.storage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.beacon.protocol.CommandFields;
import dev.beacon.protocol.ReportFields;
import dev.beacon.protocol.Wire;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the rollups take from an event's properties, read once: at ingest from the parsed tree (so
 * the writer parses nothing), or from the stored text when rollups are rebuilt from raw events.
 * Every value is text or a finite number here, whatever the event held, so no query ever casts
 * stored text (audit H1). Values are read as the fleet queries read JSON: a string as itself, any
 * other scalar as its JSON text, an object or array as compact JSON, JSON {@code null} as absent.
 *
 * @param cpus a report's {@code vm_specs.num_cpus}
 * @param memoryGib a report's {@code vm_specs.total_memory} in whole GiB (rounded half away from 0)
 * @param edition a report's {@code edition}
 * @param plugins a report's {@code active_plugins}, each once
 * @param features a report's {@code features} whose value is not 0, false or empty, each once
 * @param command a command event's {@code command}
 * @param exitCode a {@code CommandExited}'s {@code eventData.exitCode}
 * @param durationMs a {@code CommandExited}'s {@code eventData.durationMs}, when a number
 * @param project a command event's project id
 * @param options the option names of a {@code CommandStarted}'s {@code eventData.options}, as often
 *     as they occur
 * @param units a {@code health} event's {@code health-unit-*-unhealthy} entries: the number, or
 *     null when it is not one
 */
public record RollupFacts(
    String cpus,
    String memoryGib,
    String edition,
    List<String> plugins,
    List<String> features,
    String command,
    String exitCode,
    Double durationMs,
    String project,
    List<String> options,
    Map<String, Double> units) {

  static final RollupFacts NONE =
      new RollupFacts(
          null, null, null, List.of(), List.of(), null, null, null, null, List.of(), Map.of());

  private static final Set<String> NOT_ADOPTED = Set.of("0", "0.0", "false", "");
  private static final Pattern DECIMAL =
      Pattern.compile("\\s*-?[0-9]{1,20}(\\.[0-9]{1,20})?([eE][-+]?[0-9]{1,2})?\\s*");
  private static final String UNIT_PREFIX = "health-unit-";
  private static final String UNIT_SUFFIX = "-unhealthy";

  /** Reads stored properties again: bounded as the ingest's reader is (the text came from it). */
  static final ObjectMapper STORED =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(256)
                          .maxStringLength(1 << 20)
                          .build())
                  .build())
          .build();

  public RollupFacts {
    plugins = List.copyOf(plugins);
    features = List.copyOf(features);
    options = List.copyOf(options);
    units = Collections.unmodifiableMap(new LinkedHashMap<>(units));
  }

  /** The facts of an event of this type and name with these properties (any JSON at all). */
  public static RollupFacts of(String type, String event, JsonNode properties) {
    if (properties == null || !properties.isObject()) {
      return NONE;
    }
    if (Wire.TYPE_REPORT.equals(type)) {
      JsonNode vm = properties.path(ReportFields.VM_SPECS);
      Double memory = number(vm.get(ReportFields.TOTAL_MEMORY));
      return new RollupFacts(
          text(vm.get(ReportFields.NUM_CPUS)),
          memory == null ? null : Long.toString(roundHalfAway(memory / 1073741824.0)),
          text(properties.get(ReportFields.EDITION)),
          plugins(properties.get(ReportFields.ACTIVE_PLUGINS)),
          features(properties.get("features")),
          null,
          null,
          null,
          null,
          List.of(),
          Map.of());
    }
    if (!Wire.TYPE_TRACK.equals(type)) {
      return NONE;
    }
    if (CommandFields.COMMAND_EXITED.equals(event)) {
      JsonNode data = properties.path(CommandFields.EVENT_DATA);
      return new RollupFacts(
          null,
          null,
          null,
          List.of(),
          List.of(),
          text(properties.get(CommandFields.COMMAND)),
          text(data.get(CommandFields.EXIT_CODE)),
          number(data.get(CommandFields.DURATION_MS)),
          text(properties.get(CommandFields.PROJECT_ID)),
          List.of(),
          Map.of());
    }
    if (CommandFields.COMMAND_STARTED.equals(event)) {
      List<String> options = new ArrayList<>();
      JsonNode list = properties.path(CommandFields.EVENT_DATA).path("options");
      if (list.isArray()) {
        for (JsonNode o : list) {
          String name = o.isObject() ? text(o.get("name")) : null;
          if (name != null) {
            options.add(name);
          }
        }
      }
      return new RollupFacts(
          null,
          null,
          null,
          List.of(),
          List.of(),
          text(properties.get(CommandFields.COMMAND)),
          null,
          null,
          text(properties.get(CommandFields.PROJECT_ID)),
          options,
          Map.of());
    }
    if ("health".equals(event)) {
      Map<String, Double> units = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> f : properties.properties()) {
        String key = f.getKey();
        if (key.length() >= UNIT_PREFIX.length() + UNIT_SUFFIX.length()
            && key.startsWith(UNIT_PREFIX)
            && key.endsWith(UNIT_SUFFIX)) {
          units.put(key, number(f.getValue()));
        }
      }
      return units.isEmpty()
          ? NONE
          : new RollupFacts(
              null, null, null, List.of(), List.of(), null, null, null, null, List.of(), units);
    }
    return NONE;
  }

  /** The facts of a stored event, read from its properties' text; none when it is not JSON. */
  static RollupFacts of(StoredEvent e) {
    if (e.facts() != null) {
      return e.facts();
    }
    if (e.properties() == null) {
      return NONE;
    }
    try {
      return of(e.type(), e.event(), STORED.readTree(e.properties()));
    } catch (Exception unreadable) {
      return NONE; // counted as an event; it has no facts to give
    }
  }

  /** A JSON value as the queries read it as text, or null. */
  static String text(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return null;
    }
    return n.isTextual() ? n.textValue() : n.toString();
  }

  /**
   * A JSON value as a number: a finite JSON number, or a string holding a plain decimal; clamped to
   * +-1e19 so that no sum of them can overflow. Null otherwise.
   */
  static Double number(JsonNode n) {
    double d;
    if (n == null) {
      return null;
    } else if (n.isNumber()) {
      d = n.doubleValue();
    } else if (n.isTextual()
        && n.textValue().length() <= 64
        && DECIMAL.matcher(n.textValue()).matches()) {
      d = Double.parseDouble(n.textValue().strip());
    } else {
      return null;
    }
    if (!Double.isFinite(d)) {
      return null;
    }
    return Math.max(-1e19, Math.min(1e19, d));
  }

  private static long roundHalfAway(double d) {
    return (long) (Math.signum(d) * Math.floor(Math.abs(d) + 0.5));
  }

  private static List<String> plugins(JsonNode n) {
    if (n == null || !n.isArray()) {
      return List.of();
    }
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode p : n) {
      String name = text(p);
      if (name != null) {
        out.add(name);
      }
    }
    return List.copyOf(out);
  }

  private static List<String> features(JsonNode n) {
    if (n == null || !n.isObject()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> f : n.properties()) {
      String value = text(f.getValue());
      if (value != null && !NOT_ADOPTED.contains(value)) {
        out.add(f.getKey());
      }
    }
    return out;
  }
}
