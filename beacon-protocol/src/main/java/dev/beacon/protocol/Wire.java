package dev.beacon.protocol;

/**
 * The wire contract between the Beacon SDK and the Beacon server: paths, envelope field names and
 * the schema version. The native format is the Segment envelope with one added type, {@code
 * report}, for a periodic snapshot; keeping to Segment's names lets Segment-compatible clients and
 * DC/OS Signal post to the same endpoint.
 *
 * @since 0.1.0
 */
public final class Wire {
  /** Version of the payload schema, carried by every message as {@link #SCHEMA_VERSION_FIELD}. */
  public static final int SCHEMA_VERSION = 1;

  /** Native and Segment-compatible batch endpoint. */
  public static final String BATCH_PATH = "/v1/batch";

  /** EMQX-compatible report endpoint, bodies accepted unchanged. */
  public static final String EMQX_PATH = "/api/telemetry";

  /**
   * An installation's request to erase what it sent: the write key as for a batch, the body {@code
   * {"anonymousId": "..."}} (the id is the proof).
   */
  public static final String FORGET_PATH = "/v1/forget";

  /**
   * Segment's other endpoints, served beside {@link #BATCH_PATH} under {@code /v1/}: a batch
   * backdated by its sender, and one message per request.
   */
  public static final String IMPORT_ENDPOINT = "import";

  public static final String TRACK_ENDPOINT = "track";
  public static final String IDENTIFY_ENDPOINT = "identify";
  public static final String GROUP_ENDPOINT = "group";

  // Batch envelope.
  public static final String BATCH = "batch";

  /** The write key in the body, for clients that cannot send HTTP Basic. */
  public static final String WRITE_KEY = "writeKey";

  public static final String SENT_AT = "sentAt";
  public static final String CONTEXT = "context";

  // Message envelope (Segment names).
  public static final String TYPE = "type";
  public static final String EVENT = "event";
  public static final String MESSAGE_ID = "messageId";
  public static final String ANONYMOUS_ID = "anonymousId";
  public static final String TIMESTAMP = "timestamp";
  public static final String PROPERTIES = "properties";
  public static final String SCHEMA_VERSION_FIELD = "schemaVersion";

  // Message types.
  public static final String TYPE_TRACK = "track";
  public static final String TYPE_REPORT = "report";

  /**
   * A page view (Segment's {@code page} call), named by the page's route template.
   *
   * @since 0.2.0
   */
  public static final String TYPE_PAGE = "page";

  /** Event name a {@code report} message carries. */
  public static final String REPORT_EVENT = "report";

  // Context fields.
  public static final String LIBRARY = "library";
  public static final String APP = "app";
  public static final String NAME = "name";
  public static final String VERSION = "version";
  public static final String CLUSTER_ID = "clusterId";

  /** Count of events the client dropped since its previous batch (queue or spool full). */
  public static final String DROPPED_EVENTS = "droppedEvents";

  private Wire() {}
}
