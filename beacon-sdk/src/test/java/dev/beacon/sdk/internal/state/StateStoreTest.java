package dev.beacon.sdk.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
  @TempDir Path tmp;

  @Test
  void theInstallationIdSurvivesRestartsAndACorruptFileIsReplaced() throws Exception {
    Path state = tmp.resolve("state");
    StateStore store = new StateStore(state);
    StateStore.InstallationId created = store.installationId();
    assertThat(created.createdNow).isTrue();
    assertThat(new StateStore(state).installationId().id).isEqualTo(created.id);

    Files.writeString(state.resolve(StateStore.INSTALLATION_ID), "not-a-uuid\u0000garbage");
    StateStore.InstallationId replaced = new StateStore(state).installationId();
    assertThat(replaced.createdNow).isTrue();
    assertThat(replaced.id).isNotEqualTo(created.id);
    assertThat(Files.readString(state.resolve(StateStore.INSTALLATION_ID)).strip())
        .isEqualTo(replaced.id.toString());
  }
}
