package dev.beacon.server.export;

import dev.beacon.server.storage.FleetQueries;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The events an export takes: {@code [from, to)} by the events' time. {@code from} and {@code to}
 * are ISO dates (UTC midnight) or instants; without {@code from}, the last {@code days} UTC days
 * (today included); without {@code to}, up to now and a day's clock skew ahead.
 */
public record ExportWindow(Instant from, Instant to) {
  /**
   * The window the parameters name (each may be null).
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static ExportWindow of(String from, String to, Integer days) {
    Instant end = to == null ? Instant.now().plusSeconds(86_400) : instant("to", to);
    int d = days == null ? 30 : days;
    if (d < 1 || d > 36_500) {
      throw new IllegalArgumentException("days must be from 1 to 36500");
    }
    Instant start = from == null ? FleetQueries.windowStart(d) : instant("from", from);
    if (!start.isBefore(end)) {
      throw new IllegalArgumentException("from must be before to");
    }
    return new ExportWindow(start, end);
  }

  private static Instant instant(String name, String v) {
    try {
      return v.length() == 10
          ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant()
          : Instant.parse(v);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          name + " must be a date (2026-01-31) or an instant (2026-01-31T12:00:00Z)");
    }
  }
}
