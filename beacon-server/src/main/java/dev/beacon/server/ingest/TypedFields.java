package dev.beacon.server.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.protocol.CommandFields;
import dev.beacon.protocol.ReportFields;
import dev.beacon.protocol.Wire;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The values the fleet queries compute with, typed once at ingest: each must be a finite number in
 * its range (a number in a string, as some clients send, is converted), or the event is refused
 * naming the field. So a stored value can never make a query's arithmetic fail; the queries still
 * convert defensively, for rows stored before this check.
 */
final class TypedFields {
  private TypedFields() {}

  /** 2^62 bytes: far above any machine, far below where a GiB rounding could overflow. */
  static final long MAX_MEMORY_BYTES = 1L << 62;

  private static final long MAX_CPUS = 1_000_000;
  private static final long MAX_DURATION_MS = 366L * 24 * 3_600_000;
  private static final long MAX_UNITS = 1_000_000_000;

  /** Checks and converts, in place, the typed fields of a report's or an event's properties. */
  static void normalize(ObjectNode properties, String type, String event) throws InvalidEvent {
    if (Wire.TYPE_REPORT.equals(type)) {
      if (properties.get(ReportFields.VM_SPECS) instanceof ObjectNode vm) {
        integer(vm, ReportFields.NUM_CPUS, "properties.vm_specs.num_cpus", 0, MAX_CPUS);
        integer(
            vm, ReportFields.TOTAL_MEMORY, "properties.vm_specs.total_memory", 0, MAX_MEMORY_BYTES);
      } else if (properties.has(ReportFields.VM_SPECS)
          && !properties.get(ReportFields.VM_SPECS).isNull()) {
        throw new InvalidEvent("properties.vm_specs must be an object");
      }
      return;
    }
    if (CommandFields.COMMAND_EXITED.equals(event)) {
      if (properties.get(CommandFields.EVENT_DATA) instanceof ObjectNode data) {
        number(
            data, CommandFields.DURATION_MS, "properties.eventData.durationMs", 0, MAX_DURATION_MS);
        integer(
            data,
            CommandFields.EXIT_CODE,
            "properties.eventData.exitCode",
            Integer.MIN_VALUE,
            Integer.MAX_VALUE);
      }
    } else if ("health".equals(event)) {
      List<String> units = new ArrayList<>();
      for (Map.Entry<String, JsonNode> f : properties.properties()) {
        if (f.getKey().startsWith("health-unit-")) {
          units.add(f.getKey());
        }
      }
      for (String unit : units) {
        integer(properties, unit, "properties." + unit, 0, MAX_UNITS);
      }
    }
  }

  private static void integer(ObjectNode o, String field, String name, long min, long max)
      throws InvalidEvent {
    BigDecimal v = value(o, field, name);
    if (v == null) {
      return;
    }
    if (v.stripTrailingZeros().scale() > 0) {
      throw new InvalidEvent(name + " must be a whole number, not " + v.toPlainString());
    }
    if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
      throw new InvalidEvent(name + " must be between " + min + " and " + max);
    }
    o.set(field, JsonNodeFactory.instance.numberNode(v.longValueExact()));
  }

  private static void number(ObjectNode o, String field, String name, long min, long max)
      throws InvalidEvent {
    BigDecimal v = value(o, field, name);
    if (v == null) {
      return;
    }
    if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
      throw new InvalidEvent(name + " must be between " + min + " and " + max);
    }
    o.set(field, JsonNodeFactory.instance.numberNode(v.doubleValue()));
  }

  /** The field as a number; null when absent or null; refused when it is anything else. */
  private static BigDecimal value(ObjectNode o, String field, String name) throws InvalidEvent {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isNumber()) {
      if (n.isDouble() || n.isFloat()) {
        double d = n.doubleValue();
        if (!Double.isFinite(d)) {
          throw new InvalidEvent(name + " is not a finite number");
        }
        return BigDecimal.valueOf(d);
      }
      return n.decimalValue();
    }
    if (n.isTextual()) {
      String s = n.asText().strip();
      if (s.length() <= 32 && s.matches("-?[0-9]{1,20}(\\.[0-9]{1,10})?")) {
        return new BigDecimal(s);
      }
      throw new InvalidEvent(name + " must be a number, not '" + clip(n.asText()) + "'");
    }
    throw new InvalidEvent(name + " must be a number, not " + EventMapper.kind(n));
  }

  private static String clip(String s) {
    String printable = s.replaceAll("\\p{Cntrl}", "?");
    return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
  }
}
