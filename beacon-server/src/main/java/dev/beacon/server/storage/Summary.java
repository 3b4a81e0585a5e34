package dev.beacon.server.storage;

import java.util.List;

/**
 * The product summary of DESIGN §4. Versions and OS count each active installation once, by its
 * most recent event in the window.
 */
public record Summary(
    long activeInstallations, long events, List<Bucket> versions, List<Bucket> os) {
  /** A value and the number of installations that have it. */
  public record Bucket(String name, long installations) {}
}
