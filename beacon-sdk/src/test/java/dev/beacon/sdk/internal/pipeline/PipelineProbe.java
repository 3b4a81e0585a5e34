package dev.beacon.sdk.internal.pipeline;

import dev.beacon.sdk.internal.delivery.Outbox;

/** What the SDK's tests may see of a pipeline, without widening its own API. */
public final class PipelineProbe {
  /** How long the worker rests after a flush that took a whole queue's worth. */
  public static final long OVERLOAD_PAUSE_NANOS = Worker.OVERLOAD_PAUSE_NANOS;

  private final Pipeline pipeline;

  private PipelineProbe(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  public static PipelineProbe of(Pipeline pipeline) {
    return new PipelineProbe(pipeline);
  }

  public boolean workerStarted() {
    return pipeline.workerStarted();
  }

  /** Events queued and not yet flushed. */
  public int queued() {
    return pipeline.queued();
  }

  /** When the next report is due, in wall-clock time; 0 until scheduled. */
  public long nextReportAtMillis() {
    return pipeline.nextReportAtMillis();
  }

  public Outbox outbox() {
    return pipeline.outbox();
  }
}
