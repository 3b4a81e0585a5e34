package dev.beacon.sdk.internal.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.TestCollector;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Security audit 2026-12, M9: MAC addresses were never redacted, and IPv6 addresses only in Java's
 * full form ({@code fd00:0:0:0:0:0:0:2}), not in the compressed form every tool prints.
 */
class RedactorTest {
  private static final byte[] MAC = {
    (byte) 0xa2, 0x46, (byte) 0xe2, (byte) 0xc7, (byte) 0x84, (byte) 0xa2
  };

  private static final Redactor REDACTOR =
      new Redactor(
          List.of(),
          null,
          List.of(MAC),
          List.of(Redactor.ipv6Bytes("fd00::2"), Redactor.ipv6Bytes("fe80::fc:ff:fe00:1")));

  @ParameterizedTest
  @ValueSource(
      strings = {
        "eth0 a2:46:e2:c7:84:a2",
        "link/ether A2:46:E2:C7:84:A2 brd ff:ff:ff:ff:ff:ff",
        "Physical Address. . . : A2-46-E2-C7-84-A2",
        "mac a246.e2c7.84a2 (cisco)",
        "hw=a2:46:e2:c7:84:a2.",
        "listening on [fd00::2]:1883",
        "peer fe80::fc:ff:fe00:1",
        "peer fe80::fc:ff:fe00:1%eth0 is up",
        "fd00:0:0:0:0:0:0:2",
        "FD00:0000:0000:0000:0000:0000:0000:0002",
        "fd00::0:2",
        "inet6 addr:fd00::2/64 Scope:Global"
      })
  void thisMachinesMacAndIpv6AddressesAreRedactedInEverySpelling(String s) {
    assertThat(REDACTOR.apply(s)).isEqualTo(Redactor.REDACTED);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "eth0 a2:46:e2:c7:84:a3",
        "fd00::3",
        "fd00::21",
        "fd00::2:1",
        "at 12:30:45 on 2026-12-01",
        "version 5.0.9-rc.1",
        "ff:ff:ff:ff:ff:ff",
        "uuid 70b28f00-e38f-41b2-a723-aab344f535b9"
      })
  void otherAddressesAndOrdinaryTextStay(String s) {
    assertThat(REDACTOR.apply(s)).isEqualTo(s);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"jdoe", "JDoe", "/home/jdoe/x", "by jdoe.", "jdoe-x", "x:JDOE", "user=jdoe"})
  void theUsersNameAsAWordInAnyCaseIsRedacted(String s) {
    Redactor r = new Redactor(List.of("secret-host"), "JDoe");
    assertThat(r.apply(s)).isEqualTo(Redactor.REDACTED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"jdoe_plugin", "ajdoe", "jdoe2", "2jdoe", "jdo", "plain text"})
  void theUsersNameInsideAnotherWordStays(String s) {
    Redactor r = new Redactor(List.of("secret-host"), "jdoe");
    assertThat(r.apply(s)).isEqualTo(s);
  }

  /** The strings found clean are remembered; a string that is not is never taken for one. */
  @Test
  void aRememberedCleanStringNeverLetsAnIdentifyingOneThrough() {
    Redactor r = new Redactor(List.of("secret-host"), "jdoe");
    for (int i = 0; i < 5_000; i++) {
      String clean = "region-" + i;
      assertThat(r.apply(clean)).isSameAs(clean);
      assertThat(r.apply(new String(clean))).isEqualTo(clean); // remembered, an equal copy
      // Same slot or not, an identifying string is checked, never found in the memory.
      assertThat(r.apply("secret-host-" + i)).isEqualTo(Redactor.REDACTED);
      assertThat(r.apply("jdoe " + i)).isEqualTo(Redactor.REDACTED);
    }
  }

  @Test
  void ipv6TextFormsParseToTheirBytesAndNothingElseDoes() {
    assertThat(Redactor.ipv6Bytes("::ffff:192.0.2.1"))
        .isEqualTo(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, (byte) 192, 0, 2, 1});
    assertThat(Redactor.ipv6Bytes("::")).isEqualTo(new byte[16]);
    assertThat(Redactor.ipv6Bytes("1:2:3:4:5:6:7:8"))
        .isEqualTo(Redactor.ipv6Bytes("1:2:3:4:5:6:7:8%lo"));
    for (String bad :
        List.of(
            "1:2:3",
            ":::",
            "1::2::3",
            "1:2:3:4:5:6:7:8:9",
            "12345::",
            "::1.2.3",
            "g::1",
            "1::2:")) {
      assertThat(Redactor.ipv6Bytes(bad)).as(bad).isNull();
    }
  }

  /** The real interfaces of this machine, as tools print them, never reach a preview. */
  @Test
  void aPreviewHoldsNoneOfThisMachinesMacOrCompressedIpv6Addresses(@TempDir Path tmp)
      throws Exception {
    List<String> printed = new ArrayList<>();
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      byte[] mac = ni.getHardwareAddress();
      if (mac != null && mac.length == 6 && !allZero(mac)) {
        printed.add(macText(mac, ":").toLowerCase(Locale.ROOT));
        printed.add(macText(mac, "-").toUpperCase(Locale.ROOT));
      }
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (a instanceof Inet6Address && !a.isLoopbackAddress()) {
          printed.add(rfc5952(a.getAddress()));
          printed.add("[" + rfc5952(a.getAddress()) + "]:1883");
        }
      }
    }
    assumeTrue(!printed.isEmpty(), "this machine has no MAC or IPv6 address to hide");
    Beacon beacon =
        Beacon.builder("acme")
            .version("1.0.0")
            .stateDirectory(tmp.resolve("state"))
            .registerMBean(false)
            .section("network", () -> Map.of("seen", printed))
            .build();
    String preview = beacon.control().preview();
    beacon.close();
    for (String s : printed) {
      assertThat(preview).as("the preview holds " + s).doesNotContainIgnoringCase(s);
    }
    assertThat(
            TestCollector.JSON.readTree(preview).at("/batch/0/properties/network/seen/0").asText())
        .isEqualTo(Redactor.REDACTED);
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String macText(byte[] mac, String separator) {
    StringBuilder s = new StringBuilder();
    for (byte b : mac) {
      if (s.length() > 0) {
        s.append(separator);
      }
      s.append(String.format("%02x", b & 0xff));
    }
    return s.toString();
  }

  /** RFC 5952's text: lower case, no leading zeros, the longest run of zero groups as "::". */
  static String rfc5952(byte[] a) {
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = (a[2 * i] & 0xff) << 8 | (a[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        s.append("::");
        i += bestLength - 1;
        continue;
      }
      if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
        s.append(':');
      }
      s.append(Integer.toHexString(g[i]));
    }
    return s.toString();
  }
}
