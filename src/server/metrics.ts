// Prometheus figures (GET /metrics): queue depth, attempts and their durations, open subscriptions and
// HTTP request durations. A registry per server, so several servers in one test process do not collide.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueService } from '../queue/service.js';
import { PRIORITIES, type Priority, STATUSES } from '../queue/types.js';
import type { AttemptInfo } from '../queue/worker.js';

export interface MetricsSources {
  service: QueueService;
  /** Subscriptions open now, over WebSocket and SSE. */
  openSubscriptions(): number;
}

/** What the attempt figures need of an attempt (a worker child sends just this: worker-process.ts). */
export type AttemptFigures = Pick<AttemptInfo, 'outcome' | 'durationMs'> & {
  stored: { status: string } | null;
};

export interface Metrics {
  registry: Registry;
  /** Pass to the runtime as `onAttempt`: counts attempts and times them. */
  onAttempt(info: AttemptFigures): void;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Where the gauges read the queue's figures when scraped. */
  attach(sources: MetricsSources): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  let sources: MetricsSources | undefined;

  new Gauge({
    name: 'quote_queue_messages',
    help: 'Messages by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      if (!sources) return;
      const s = await sources.service.stats();
      const counts: Record<(typeof STATUSES)[number], number> = {
        PENDING: s.pendingCount,
        PROCESSING: s.processingCount,
        COMPLETED: s.completedCount,
        FAILED: s.failedCount,
        CANCELLED: s.cancelledCount,
      };
      for (const status of STATUSES) this.set({ status }, counts[status]);
    },
  });
  new Gauge({
    name: 'quote_queue_pending',
    help: 'PENDING messages by priority',
    labelNames: ['priority'],
    registers: [registry],
    async collect() {
      if (!sources) return;
      const s = await sources.service.stats();
      for (const priority of Object.keys(PRIORITIES) as Priority[]) {
        this.set({ priority }, s.pendingByPriority[priority] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'quote_queue_open_subscriptions',
    help: 'GraphQL subscriptions open now (WebSocket and SSE)',
    registers: [registry],
    collect() {
      if (sources) this.set(sources.openSubscriptions());
    },
  });
  const attempts = new Counter({
    name: 'quote_queue_attempts_total',
    help: 'Processing attempts ended in this process, by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'quote_queue_attempt_failures_total',
    help: 'Attempts that failed or timed out in this process',
    registers: [registry],
  });
  const retries = new Counter({
    name: 'quote_queue_retries_scheduled_total',
    help: 'Failed attempts that were given a retry',
    registers: [registry],
  });
  const processing = new Histogram({
    name: 'quote_queue_processing_seconds',
    help: 'How long attempts ran, by outcome',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const http = new Histogram({
    name: 'quote_queue_http_request_seconds',
    help: 'HTTP request durations (streams: until they end)',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });

  return {
    registry,
    onAttempt(info) {
      attempts.inc({ outcome: info.outcome });
      processing.observe({ outcome: info.outcome }, info.durationMs / 1000);
      if (info.outcome === 'FAILED' || info.outcome === 'TIMED_OUT') failures.inc();
      if (info.stored?.status === 'PENDING' && info.outcome !== 'RELEASED') retries.inc();
    },
    observeRequest(method, route, status, seconds) {
      http.observe({ method, route, status: String(status) }, seconds);
    },
    attach(next) {
      sources = next;
    },
  };
}
