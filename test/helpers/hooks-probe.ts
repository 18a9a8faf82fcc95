// A child process for test/tracing/batch.test.ts: registers the SDK as src/tracing/sdk.ts does, with our batch
// processor (`ours`) or the SDK's (`sdk`), exports one span, then says whether Node's async hooks are on: with
// them off, a promise continuation runs in the execution context it was awaited in; with them on, in its own.
// `als` only runs an AsyncLocalStorage once: whether that alone turns them on depends on the Node (20 yes; 24's
// AsyncContextFrame no).
import { AsyncLocalStorage, executionAsyncId } from 'node:async_hooks';
import { trace } from '@opentelemetry/api';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  NodeTracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { BatchProcessor } from '../../src/tracing/batch.js';

const which = process.argv[2];
if (which === 'als') new AsyncLocalStorage().run({}, () => {});
const exporter = new InMemorySpanExporter();
const processor: SpanProcessor =
  which === 'sdk' ? new BatchSpanProcessor(exporter) : new BatchProcessor(exporter);
const provider = new NodeTracerProvider({ spanProcessors: [processor] });
provider.register();
trace.getTracer('probe').startSpan('one').end();
await provider.forceFlush();
const before = executionAsyncId();
await null;
const on = executionAsyncId() !== before;
console.log(`exported ${exporter.getFinishedSpans().length}, hooks ${on ? 'on' : 'off'}`);
await provider.shutdown();
