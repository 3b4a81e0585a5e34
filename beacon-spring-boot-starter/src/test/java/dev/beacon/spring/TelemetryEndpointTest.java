package dev.beacon.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.TelemetryMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

class TelemetryEndpointTest {
  @TempDir Path tmp;

  private WebApplicationContextRunner runner(String... properties) {
    return new WebApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                BeaconAutoConfiguration.class,
                BeaconDisabledAutoConfiguration.class,
                TelemetryEndpointAutoConfiguration.class))
        .withPropertyValues(
            "beacon.product=shop",
            "beacon.endpoint=http://127.0.0.1:9",
            "beacon.state-directory=" + tmp.resolve("state"),
            "beacon.mode=local")
        .withPropertyValues(properties);
  }

  @Test
  void notExposedOnTheWebUnlessTheApplicationSaysSo() {
    runner().run(ctx -> assertThat(ctx).doesNotHaveBean(TelemetryEndpoint.class));
    runner("management.endpoints.web.exposure.include=telemetry")
        .run(ctx -> assertThat(ctx).hasSingleBean(TelemetryEndpoint.class));
  }

  @Test
  void readsTheModeTheReasonAndTheExactNextPayload() {
    runner("management.endpoints.web.exposure.include=telemetry")
        .run(
            ctx -> {
              Map<String, Object> answer = ctx.getBean(TelemetryEndpoint.class).telemetry();
              assertThat(answer.get("mode")).isEqualTo("local");
              assertThat(answer.get("reason"))
                  .isEqualTo("beacon.mode=local in the product's configuration");
              // The batch as the next report would send it.
              Map<?, ?> payload = (Map<?, ?>) answer.get("payload");
              Map<?, ?> report = (Map<?, ?>) ((List<?>) payload.get("batch")).get(0);
              assertThat(report.get("type")).isEqualTo("report");
              assertThat(((Map<?, ?>) report.get("properties")).get("spring")).isNotNull();
              assertThat(answer.get("delivery").toString()).contains("last_outcome=none");
            });
  }

  @Test
  void turnsTelemetryOffAndOnAtRuntimeAndTheChoiceOutlivesTheContext() {
    runner("management.endpoints.web.exposure.include=telemetry")
        .run(
            ctx -> {
              Map<String, Object> off = ctx.getBean(TelemetryEndpoint.class).setEnabled(false);
              assertThat(off.get("mode")).isEqualTo("off");
              assertThat(ctx.getBean(Beacon.class).control().status().mode())
                  .isEqualTo(TelemetryMode.OFF);
            });
    runner("management.endpoints.web.exposure.include=telemetry")
        .run(
            ctx -> {
              Map<String, Object> answer = ctx.getBean(TelemetryEndpoint.class).telemetry();
              assertThat(answer.get("mode")).isEqualTo("off");
              assertThat((String) answer.get("reason")).contains("at runtime");
              assertThat(ctx.getBean(TelemetryEndpoint.class).setEnabled(true).get("mode"))
                  .isEqualTo("on");
            });
  }

  @Test
  void withBeaconDisabledTheEndpointSaysWhyAndCannotTurnItOn() {
    runner("management.endpoints.web.exposure.include=telemetry", "beacon.enabled=false")
        .run(
            ctx -> {
              TelemetryEndpoint endpoint = ctx.getBean(TelemetryEndpoint.class);
              assertThat(endpoint.telemetry().get("mode")).isEqualTo("off");
              assertThat(endpoint.telemetry().get("reason"))
                  .isEqualTo("beacon.enabled=false in the application's properties");
              assertThat(endpoint.setEnabled(true).get("mode")).isEqualTo("off");
            });
    assertThat(tmp.resolve("state")).doesNotExist();
  }
}
