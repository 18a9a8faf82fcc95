// The OpenTelemetry SDK of a process, started only when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans batched
// (batch.ts, under the standard OTEL_BSP_* limits) and exported over OTLP/HTTP, protobuf or JSON as
// OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL says (config.ts; the exporters read the other OTEL_EXPORTER_OTLP_* variables
// themselves), W3C trace context as the propagator, async-hooks context across awaits.
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { OtlpProtocol } from '../config.js';
import { BatchProcessor } from './batch.js';
import { enableTracing } from './trace.js';

export interface Tracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export function startTracing(serviceName: string, protocol: OtlpProtocol): Tracing {
  const exporter = protocol === 'http/json' ? new JsonExporter() : new ProtobufExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchProcessor(exporter)],
  });
  provider.register();
  enableTracing();
  return { shutdown: () => provider.shutdown() };
}
