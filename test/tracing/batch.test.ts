// The service's span processor (src/tracing/batch.ts) with spans of the real SDK: batches within the limits, a
// full queue drops (and says so), everything queued is exported on flush and shutdown, a failing or hanging
// exporter is reported and passed over, never thrown, and nothing is lost while the queue has room; and an
// export leaves Node's async hooks off (in a child process, beside the SDK's processor, which turns them on).
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, setGlobalErrorHandler } from '@opentelemetry/core';
import { BasicTracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { type BatchLimits, BatchProcessor } from '../../src/tracing/batch.js';
import { spawnTs } from '../helpers/child.js';

/** An exporter that records each batch and answers when the test says (or at once with `auto`). */
class HeldExporter implements SpanExporter {
  batches: string[][] = [];
  waiting: ((result: ExportResult) => void)[] = [];
  shutdowns = 0;
  constructor(private readonly answer: 'auto' | 'held' | 'fail' | 'throw' | 'never' = 'auto') {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.answer === 'throw') throw new Error('exporter broke');
    this.batches.push(spans.map((s) => s.name));
    if (this.answer === 'auto') setImmediate(() => done({ code: ExportResultCode.SUCCESS }));
    else if (this.answer === 'fail')
      setImmediate(() => done({ code: ExportResultCode.FAILED, error: new Error('collector down') }));
    else if (this.answer === 'held') this.waiting.push(done);
  }
  release(): void {
    for (const done of this.waiting.splice(0)) done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {
    this.shutdowns++;
  }
}

const LIMITS: BatchLimits = {
  maxQueueSize: 5,
  maxExportBatchSize: 3,
  scheduledDelayMillis: 60_000,
  exportTimeoutMillis: 30_000,
};

function setup(exporter: SpanExporter, limits: Partial<BatchLimits> = {}) {
  const processor = new BatchProcessor(exporter, { ...LIMITS, ...limits });
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer('test');
  const end = (...names: string[]) => {
    for (const name of names) tracer.startSpan(name).end();
  };
  return { processor, end };
}

const errors: unknown[] = [];
setGlobalErrorHandler((e) => errors.push(e));
afterEach(() => {
  errors.length = 0;
});

describe('batches', () => {
  it('exports a full batch at once and keeps a partial one for the delay', async () => {
    const exporter = new HeldExporter('held');
    const { processor, end } = setup(exporter);
    end('a', 'b');
    expect(exporter.batches).toEqual([]);
    end('c', 'd');
    expect(exporter.batches).toEqual([['a', 'b', 'c']]);
    exporter.release();
    const flushed = processor.forceFlush();
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    exporter.release();
    await flushed;
    expect(exporter.batches).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('exports a partial batch once the delay has passed', async () => {
    const exporter = new HeldExporter();
    const { end } = setup(exporter, { scheduledDelayMillis: 1 });
    end('a');
    await expect.poll(() => exporter.batches).toEqual([['a']]);
  });

  it('drops the spans that end while the queue is full, and warns of them', async () => {
    const exporter = new HeldExporter('held');
    const { processor, end } = setup(exporter);
    end('a', 'b', 'c'); // exported at once, held
    end('d', 'e', 'f', 'g', 'h'); // the queue's 5
    end('x', 'y'); // dropped
    exporter.release();
    const flushed = processor.forceFlush();
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      exporter.release();
    }
    await flushed;
    expect(exporter.batches.flat()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(exporter.batches.every((b) => b.length <= 3)).toBe(true);
    // The count is told with the next span the queue takes.
    const warnings: string[] = [];
    diag.setLogger({ warn: (m: string) => warnings.push(m) } as unknown as DiagLogger, DiagLogLevel.WARN);
    try {
      end('z');
    } finally {
      diag.disable();
    }
    expect(warnings).toEqual(['Dropped 2 spans: the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE)']);
  });
});

describe('flush and shutdown', () => {
  it('exports everything queued on shutdown, then shuts the exporter down, and takes no span after', async () => {
    const exporter = new HeldExporter();
    const { processor, end } = setup(exporter);
    end('a', 'b', 'c', 'd', 'e');
    await processor.shutdown();
    expect(exporter.batches).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    expect(exporter.shutdowns).toBe(1);
    end('late');
    await processor.forceFlush();
    expect(exporter.batches.flat()).not.toContain('late');
  });

  it('loses nothing while the queue has room, however the spans come', async () => {
    const exporter = new HeldExporter();
    const { processor, end } = setup(exporter, { maxQueueSize: 2048, maxExportBatchSize: 512 });
    const names = Array.from({ length: 5000 }, (_, i) => `s${i}`);
    // Bursts that the exports keep up with (one export a turn here), each given a turn.
    for (let i = 0; i < names.length; i += 400) {
      end(...names.slice(i, i + 400));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await processor.forceFlush();
    expect(exporter.batches.flat()).toEqual(names);
    expect(Math.max(...exporter.batches.map((b) => b.length))).toBeLessThanOrEqual(512);
  });
});

describe('export failures', () => {
  it('reports a failed export and goes on with the next batch', async () => {
    const exporter = new HeldExporter('fail');
    const { processor, end } = setup(exporter);
    end('a', 'b', 'c', 'd');
    await expect(processor.forceFlush()).resolves.toBeUndefined();
    expect(exporter.batches).toEqual([['a', 'b', 'c'], ['d']]);
    expect(errors.map(String)).toEqual(['Error: collector down', 'Error: collector down']);
  });

  it('reports an exporter that throws, without throwing to the span that ended', async () => {
    const { processor, end } = setup(new HeldExporter('throw'));
    expect(() => end('a', 'b', 'c')).not.toThrow();
    await processor.forceFlush();
    expect(errors.map(String)).toEqual(['Error: exporter broke']);
  });

  it('gives up an export that never answers after the timeout, and exports the next batch', async () => {
    const exporter = new HeldExporter('never');
    const { processor, end } = setup(exporter, { exportTimeoutMillis: 20 });
    end('a', 'b', 'c', 'd');
    await processor.forceFlush();
    expect(exporter.batches).toEqual([['a', 'b', 'c'], ['d']]);
    expect(errors.map(String)).toEqual([
      'Error: span export timed out after 20 ms',
      'Error: span export timed out after 20 ms',
    ]);
  });
});

describe("the process's async hooks", () => {
  it('stay off through an export (the SDK processor turns them on where an AsyncLocalStorage does)', async () => {
    const run = async (which: string) => {
      const child = await spawnTs('test/helpers/hooks-probe.ts', {}, /hooks (on|off)/, [which]);
      await child.exited;
      return /exported \d+, hooks (on|off)/.exec(child.output())![0];
    };
    expect(await run('ours')).toBe('exported 1, hooks off');
    // The SDK's processor turns them on wherever an AsyncLocalStorage does: on Node 20, not on Node 24.
    const als = await run('als');
    if (Number(process.versions.node.split('.')[0]) < 24) expect(als).toBe('exported 1, hooks on');
    expect(await run('sdk')).toBe(als);
  }, 30_000);
});
