// The OpenTelemetry SDK of a process, started only when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans batched
// (batch.ts, under the standard OTEL_BSP_* limits) and exported over OTLP/HTTP (the exporter reads the standard
// OTEL_EXPORTER_OTLP_* variables itself), W3C trace context as the propagator, async-hooks context across awaits.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { BatchProcessor } from './batch.js';
import { enableTracing } from './trace.js';

export interface Tracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export function startTracing(serviceName: string): Tracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  enableTracing();
  return { shutdown: () => provider.shutdown() };
}
