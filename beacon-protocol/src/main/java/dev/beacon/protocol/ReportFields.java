package dev.beacon.protocol;

/**
 * Property names of a {@code report} message. EMQX's names are used wherever EMQX has one, so a
 * dashboard built for EMQX reports reads Beacon reports too.
 *
 * @since 0.1.0
 */
public final class ReportFields {
  public static final String UUID = "uuid";
  public static final String CLUSTER_UUID = "cluster_uuid";
  public static final String NODES_UUID = "nodes_uuid";
  public static final String VERSION = "version";
  public static final String EDITION = "edition";
  public static final String OS_NAME = "os_name";
  public static final String OS_VERSION = "os_version";
  public static final String ARCH = "arch";
  public static final String UP_TIME = "up_time";
  public static final String JVM_VERSION = "jvm_version";
  public static final String JVM_VENDOR = "jvm_vendor";
  public static final String BUILD_INFO = "build_info";
  public static final String WORDSIZE = "wordsize";
  public static final String VM_SPECS = "vm_specs";
  public static final String NUM_CPUS = "num_cpus";
  public static final String TOTAL_MEMORY = "total_memory";
  public static final String JVM = "jvm";
  public static final String CONTAINER = "container";
  public static final String ACTIVE_PLUGINS = "active_plugins";
  public static final String CONFIG_KEYS = "config_keys";
  public static final String RATES = "rates";
  public static final String RATE_WINDOW_SECONDS = "rate_window_seconds";
  public static final String FAILED_SECTIONS = "failed_sections";

  private ReportFields() {}
}
