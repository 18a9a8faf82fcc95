// The service's span processor: finished spans batched and handed to an exporter one batch at a time, under the
// standard OTEL_BSP_* limits. The SDK's BatchSpanProcessor does the same but runs each export inside
// `context.with(...)`, whose first call turns Node 20's async hooks on for the whole process (a cost on every
// promise of every quote after it); this one calls the exporter as it is. That context only suppressed spans of
// instrumented libraries (http, ...) during the export, and the service registers no instrumentation. Nor does it
// wait for a resource's asynchronous attributes as the SDK's does: the service's resource is synchronous (sdk.ts).
import { type Context, diag, TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, getNumberFromEnv, globalErrorHandler } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface BatchLimits {
  /** Spans kept waiting at most; those ending beyond it are dropped (counted, and warned of). */
  maxQueueSize: number;
  /** Spans per export at most; a full batch is exported at once. */
  maxExportBatchSize: number;
  /** How long a partial batch waits for more before it is exported, ms. */
  scheduledDelayMillis: number;
  /** How long an export may take before the next one starts, ms (the late one is given up). */
  exportTimeoutMillis: number;
}

/** The limits from the standard variables (OTEL_BSP_*), with the specification's defaults. */
export function batchLimitsFromEnv(): BatchLimits {
  const maxQueueSize = getNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE') ?? 2048;
  return {
    maxQueueSize,
    maxExportBatchSize: Math.min(getNumberFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? 512, maxQueueSize),
    scheduledDelayMillis: getNumberFromEnv('OTEL_BSP_SCHEDULE_DELAY') ?? 5000,
    exportTimeoutMillis: getNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT') ?? 30_000,
  };
}

export class BatchProcessor implements SpanProcessor {
  private queue: ReadableSpan[] = [];
  private exporting: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private dropped = 0;
  private stopped: Promise<void> | null = null;

  constructor(
    private readonly exporter: SpanExporter,
    private readonly limits: BatchLimits = batchLimitsFromEnv(),
  ) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopped || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.queue.length >= this.limits.maxQueueSize) {
      this.dropped++;
      return;
    }
    if (this.dropped > 0) {
      diag.warn(`Dropped ${this.dropped} spans: the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE)`);
      this.dropped = 0;
    }
    this.queue.push(span);
    if (!this.exporting) this.onQueued();
  }

  /** Exports everything queued now (and what ends while it does), a batch at a time. */
  async forceFlush(): Promise<void> {
    while (this.exporting || this.queue.length > 0) {
      if (!this.exporting) this.drain(true);
      await this.exporting;
    }
  }

  shutdown(): Promise<void> {
    this.stopped ??= this.forceFlush().then(() => this.exporter.shutdown());
    return this.stopped;
  }

  /** Exports batches while a full one is waiting (or, with `all`, while any span is), one at a time. */
  private drain(all: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.exporting || this.queue.length === 0) return;
    this.exporting = (async () => {
      do {
        await this.exportOne(this.queue.splice(0, this.limits.maxExportBatchSize));
      } while (all ? this.queue.length > 0 : this.queue.length >= this.limits.maxExportBatchSize);
    })().finally(() => {
      this.exporting = null;
      if (this.queue.length > 0 && !this.stopped) this.onQueued();
    });
  }

  /** A full batch goes now; a partial one waits for the delay (or for enough spans to fill it). */
  private onQueued(): void {
    if (this.queue.length >= this.limits.maxExportBatchSize) this.drain(false);
    else if (!this.timer) {
      this.timer = setTimeout(() => this.drain(true), this.limits.scheduledDelayMillis);
      this.timer.unref();
    }
  }

  /** One export; a failure or a timeout is reported to the SDK's error handler and the batch dropped, never thrown. */
  private exportOne(spans: ReadableSpan[]): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        globalErrorHandler(new Error(`span export timed out after ${this.limits.exportTimeoutMillis} ms`));
        resolve();
      }, this.limits.exportTimeoutMillis);
      timer.unref();
      try {
        this.exporter.export(spans, (result) => {
          clearTimeout(timer);
          if (result.code !== ExportResultCode.SUCCESS)
            globalErrorHandler(result.error ?? new Error('span export failed'));
          resolve();
        });
      } catch (error) {
        clearTimeout(timer);
        globalErrorHandler(error as Error);
        resolve();
      }
    });
  }
}
