package dev.beacon.server.cli;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.ConsentStatus;
import dev.beacon.sdk.DeliveryStatus;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = "Print the telemetry mode a product would run with here, and why.")
final class StatusCommand implements Callable<Integer> {
  @Mixin ProductOptions product;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ConsentStatus s;
    DeliveryStatus d;
    String id;
    try (Beacon beacon = product.builder().build()) {
      s = beacon.control().status();
      d = beacon.control().delivery();
      id = beacon.control().installationId().orElse("none yet (nothing was sent or logged)");
    }
    PrintWriter out = spec.commandLine().getOut();
    String p = product.envPrefix();
    out.println(
        "telemetry for " + product.product + ": " + s.mode().name().toLowerCase(Locale.ROOT));
    out.println("reason: " + s.reason());
    out.println("last delivery: " + d);
    out.println("installation id: " + id + " (quote it to have its data erased)");
    out.println(
        "switches, strongest first: DO_NOT_TRACK=1, "
            + p
            + "_TELEMETRY=on|off|local, "
            + p
            + "_TELEMETRY__ENABLE=true|false, -D"
            + product.product
            + ".telemetry=on|off|local, the runtime toggle, the product's configuration.");
    out.flush();
    return 0;
  }
}
