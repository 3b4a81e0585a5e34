package dev.beacon.sdk.internal.thread;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class FatalErrorsTest {
  @Test
  void errorsOfABrokenJvmOrOfItsClassesAreRethrown() {
    for (Error fatal :
        List.of(
            new OutOfMemoryError(),
            new StackOverflowError(),
            new InternalError(),
            new NoClassDefFoundError("x"),
            new ExceptionInInitializerError())) {
      assertThat(FatalErrors.isFatal(fatal)).as(fatal.toString()).isTrue();
      assertThatThrownBy(() -> FatalErrors.rethrowIfFatal(fatal)).isSameAs(fatal);
    }
  }

  @Test
  void everythingElseIsLeftToTheCallerToSurvive() {
    for (Throwable survived :
        List.of(
            new RuntimeException(),
            new IllegalStateException(),
            new IOException(),
            new AssertionError("a product's bug"),
            new Error("a product's own error"))) {
      assertThat(FatalErrors.isFatal(survived)).as(survived.toString()).isFalse();
      assertThatCode(() -> FatalErrors.rethrowIfFatal(survived)).doesNotThrowAnyException();
    }
  }
}
