package dev.beacon.server.export;

import java.util.List;

/**
 * RFC 4180 CSV lines. A cell that a spreadsheet would take for a formula ({@code = + - @}, a tab or
 * a carriage return first) is prefixed with a quote: the values come from telemetry, which anyone
 * can send.
 */
public final class Csv {
  private Csv() {}

  /** Appends one line (CRLF-terminated) of cells; null is an empty cell. */
  public static void line(StringBuilder sb, List<?> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      Object v = cells.get(i);
      String s = v == null ? "" : v.toString();
      if (v instanceof String && !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0) {
        s = "'" + s;
      }
      if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
        s = "\"" + s.replace("\"", "\"\"") + "\"";
      }
      sb.append(s);
    }
    sb.append("\r\n");
  }
}
