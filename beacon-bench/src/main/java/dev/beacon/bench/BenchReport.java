package dev.beacon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes BENCHMARKS.md from what {@link BenchRun} kept in {@code target/bench}: the machine, each
 * table with the command that produced it, ratios to the peers from the same run, and a verdict on
 * each of DESIGN §5's targets. What the figures mean and where the time goes when a target is
 * missed (from profiles) is prose, kept in {@code bench/notes.md} and appended as it is. The
 * sections are written by {@link SdkReport} (the SDKs, the CLI, Spring Boot), {@link IngestReport}
 * (ingest, scale-out, export) and {@link DashboardReport} (queries and views, the server's
 * footprint, the web UI's script).
 */
final class BenchReport {

  private final Path dir;
  private final StringBuilder md = new StringBuilder();
  private final List<String> verdicts = new ArrayList<>();
  private final SdkReport sdk;
  private final IngestReport ingest;
  private final DashboardReport dashboard;

  private BenchReport(Path dir) throws IOException {
    this.dir = dir;
    JsonNode c = BenchRun.read(dir.resolve("commands.json"));
    JsonNode commands = c == null ? Results.JSON.createObjectNode() : c;
    this.sdk = new SdkReport(dir, md, commands, verdicts);
    this.ingest = new IngestReport(dir, md, commands, verdicts);
    this.dashboard = new DashboardReport(dir, md, commands, verdicts);
  }

  /**
   * Renders the results kept in {@code dir}, then the prose of {@code notes}, into {@code target}.
   */
  static Path write(Path dir, Path target, Path notes) throws IOException {
    BenchReport r = new BenchReport(dir);
    String body = r.render(notes);
    Files.writeString(target, body);
    return target;
  }

  String render(Path notes) throws IOException {
    JsonNode m = BenchRun.read(dir.resolve("machine.json"));
    sdk.sdk();
    sdk.lifecycle();
    sdk.delivery();
    sdk.cli();
    sdk.springStart();
    ingest.ingest();
    ingest.scaleOut();
    dashboard.queries();
    ingest.export();
    dashboard.footprint();
    dashboard.browserScript();
    String tables = md.toString();

    StringBuilder out = new StringBuilder("# Benchmarks\n\n");
    out.append("Written by `bench/run`");
    if (m != null) {
      out.append(" on ").append(m.path("date").asText());
      out.append(". Machine: ")
          .append(m.path("cores").asInt())
          .append(" cores (")
          .append(m.path("cpu").asText())
          .append("), ")
          .append(m.path("memory").asText())
          .append(" of memory, ")
          .append(m.path("jdk").asText())
          .append(", ")
          .append(m.path("os").asText());
    }
    out.append(
        ".\n\nEach table comes from one run of its step (the time is given under each heading; a"
            + " step can be re-run alone). Absolute numbers on a shared 2-core machine move from"
            + " run to run; the ratios to the peers, taken in the same run, are what to compare."
            + " To reproduce, from the repository's root:\n\n```sh\nbench/run                "
            + "        # everything (about an hour)\nbench/run --only=sdk,lifecycle   # some"
            + " steps; the others keep their last figures\nbench/run --quick                "
            + "# every step briefly, to check the harness\n```\n\n");
    if (m != null && m.path("quick").asBoolean()) {
      out.append(
          "**This run used `--quick`: short runs and small data, to check the harness. Its"
              + " figures are not measurements.**\n\n");
    }
    out.append("## Targets (DESIGN §5)\n\n");
    out.append("| target | measured | verdict |\n|---|---|---|\n");
    for (String v : verdicts) {
      out.append(v).append('\n');
    }
    out.append('\n').append(tables);
    if (Files.exists(notes)) {
      out.append(Files.readString(notes));
    }
    return out.toString();
  }
}
