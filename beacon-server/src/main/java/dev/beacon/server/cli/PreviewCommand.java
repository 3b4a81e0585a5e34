package dev.beacon.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.beacon.sdk.Beacon;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "preview",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = {
      "Print the JSON report the SDK would send from this machine, whatever the mode.",
      "Sends nothing and writes nothing."
    })
final class PreviewCommand implements Callable<Integer> {
  @Mixin ProductOptions product;
  @Spec CommandSpec spec;

  @Option(names = "--compact", description = "Print the exact bytes, on one line.")
  boolean compact;

  @Override
  public Integer call() throws Exception {
    String json;
    try (Beacon beacon = product.builder().build()) {
      json = beacon.control().preview();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (compact) {
      out.println(json);
    } else {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      out.println(mapper.writeValueAsString(mapper.readTree(json)));
    }
    out.flush();
    return 0;
  }
}
