// JSON logs with pino: one logger for the process, children per part; lines about a message carry its id.
import { pino } from 'pino';
import { currentTraceId, tracingEnabled } from './tracing/trace.js';

export type Logger = pino.Logger;

export function createLogger(level: string = 'info'): Logger {
  return pino({
    level,
    base: { service: 'quote-queue' },
    // With tracing on, a line written inside a span names its trace, so logs and traces meet.
    mixin: () => {
      const traceId = tracingEnabled() ? currentTraceId() : undefined;
      return traceId ? { traceId } : {};
    },
    // Credentials never reach the log, however a caller passes them.
    redact: {
      paths: ['req.headers.authorization', 'authorization', 'apiKey', '*.apiKey'],
      censor: '[redacted]',
    },
  });
}
