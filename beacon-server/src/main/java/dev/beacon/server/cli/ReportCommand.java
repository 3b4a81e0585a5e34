package dev.beacon.server.cli;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.BeaconBuilder;
import dev.beacon.sdk.SendResult;
import java.io.PrintWriter;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = {
      "Build one report with the SDK and send it now, honouring consent exactly as the product"
          + " would: a connectivity check for operators.",
      "Exit status: 0 when delivered, written locally or not sent because telemetry is off;"
          + " 1 when it could not be delivered."
    })
final class ReportCommand implements Callable<Integer> {
  @Mixin ProductOptions product;
  @Spec CommandSpec spec;

  @Option(
      names = "--endpoint",
      required = true,
      paramLabel = "URL",
      description = "Base URL of the Beacon server (<PREFIX>_TELEMETRY_ENDPOINT still wins).")
  URI endpoint;

  @Option(names = "--write-key", paramLabel = "KEY", description = "The product's write key.")
  String writeKey;

  @Override
  public Integer call() {
    BeaconBuilder b = product.builder().endpoint(endpoint);
    if (writeKey != null) {
      b.writeKey(writeKey);
    }
    SendResult result;
    String reason;
    try (Beacon beacon = b.build()) {
      reason = beacon.control().status().toString();
      result = beacon.control().sendReportNow();
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("telemetry: " + reason);
    out.println(describe(result.outcome()) + ": " + result.detail());
    out.flush();
    return switch (result.outcome()) {
      case DELIVERED, LOGGED_LOCALLY, NOT_SENT_OFF -> 0;
      case SPOOLED, REJECTED -> 1;
    };
  }

  private static String describe(SendResult.Outcome o) {
    return switch (o) {
      case DELIVERED -> "delivered";
      case LOGGED_LOCALLY -> "not sent (local mode), written locally";
      case NOT_SENT_OFF -> "not sent";
      case SPOOLED -> "NOT delivered, kept for a later retry";
      case REJECTED -> "REJECTED by the server";
    };
  }
}
