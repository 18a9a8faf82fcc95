// /health (the process is up) and /ready (it accepts work: not draining, and storage takes writes).
import { StorageUnavailableError } from '../queue/errors.js';
import type { QueueStore } from '../queue/store.js';

export interface Probe {
  status: number;
  body: Record<string, unknown>;
}

export function health(startedAt: Date): Probe {
  return {
    status: 200,
    body: { status: 'ok', startedAt: startedAt.toISOString(), uptimeSeconds: Math.round(process.uptime()) },
  };
}

export async function readiness(store: QueueStore, draining: boolean): Promise<Probe> {
  if (draining) return { status: 503, body: { status: 'draining' } };
  try {
    await store.checkWritable();
    return { status: 200, body: { status: 'ready' } };
  } catch (error) {
    // The reason is the domain's own words (full, read-only, locked), never SQL.
    const reason = error instanceof StorageUnavailableError ? error.reason : 'unreachable';
    return { status: 503, body: { status: 'storage-unavailable', reason } };
  }
}
