package dev.beacon.sdk.internal.thread;

/**
 * The one rule for what a background task of the SDK lets through. A task catches {@link
 * Throwable}, since a product's value or callback may throw anything and the host must never be the
 * worse for it, and then passes it here first: an error that says the JVM itself is broken ({@link
 * VirtualMachineError}: out of memory, a stack overflow, an internal error) or that its classes are
 * ({@link LinkageError}: a class that failed to load or initialize, which would fail again at every
 * attempt) is rethrown and ends the task; anything else is logged quietly and survived.
 *
 * <p>{@code ThreadDeath}, the third of the usual list, is left out: only {@code Thread.stop} throws
 * it, which no longer stops threads since JDK 20, and its class is deprecated for removal, so
 * naming it here would break this very check on the JDK that removes it.
 */
public final class FatalErrors {
  private FatalErrors() {}

  public static boolean isFatal(Throwable t) {
    return t instanceof VirtualMachineError || t instanceof LinkageError;
  }

  /** Rethrows {@code t} if it is fatal; returns otherwise, for the caller to log and go on. */
  public static void rethrowIfFatal(Throwable t) {
    if (isFatal(t)) {
      throw (Error) t;
    }
  }
}
