package dev.beacon.server.export;

import java.util.Locale;

/** The formats an export is written in. */
public enum ExportFormat {
  /** One JSON object per line; properties and context as JSON objects. */
  JSONL("application/x-ndjson", "jsonl"),
  /** RFC 4180, a header line; properties and context as JSON text. */
  CSV("text/csv; charset=utf-8", "csv"),
  /** Apache Parquet (written by DuckDB), timestamps as TIMESTAMP, JSON as text. */
  PARQUET("application/vnd.apache.parquet", "parquet");

  public final String contentType;
  public final String extension;

  ExportFormat(String contentType, String extension) {
    this.contentType = contentType;
    this.extension = extension;
  }

  /**
   * The format named {@code name} (jsonl, csv or parquet).
   *
   * @throws IllegalArgumentException naming the formats there are
   */
  public static ExportFormat of(String name) {
    for (ExportFormat f : values()) {
      if (f.extension.equals(name.toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    throw new IllegalArgumentException("format must be jsonl, csv or parquet, not '" + name + "'");
  }
}
