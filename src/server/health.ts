// /health (the process is up) and /ready (it accepts work: not draining, and storage takes writes). Readiness
// is cached, so a load balancer polling /ready never makes the service block on a locked database.
import { StorageUnavailableError } from '../queue/errors.js';

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

export interface ReadinessOptions {
  /** Throws (StorageUnavailableError) unless storage takes writes now: the store's `checkWritable`. */
  probe(): Promise<void>;
  draining(): boolean;
  /** True while the JIT warm-up runs (WARM_UP_MS): 503 `warming-up`. Default: never. */
  warmingUp?: () => boolean;
  /** Least time between two probes; answers in between are the last probe's. Default 1000 ms. */
  refreshMs?: number;
  /**
   * How long a write that failed with STORAGE_UNAVAILABLE keeps /ready at 503 without probing. The probe
   * (taking the write lock) cannot see a full or read-only file, so the failed write is the evidence;
   * after this the probe decides again, and the next failing write renews it (a half-open breaker).
   * Default 5000 ms.
   */
  holdMs?: number;
  clock?: () => number;
}

export interface Readiness {
  check(): Promise<Probe>;
  /** A write just failed because storage is unavailable. */
  writeFailed(reason: string): void;
  /** A write just succeeded: storage takes writes again. */
  writeSucceeded(): void;
}

export function createReadiness(options: ReadinessOptions): Readiness {
  const refreshMs = options.refreshMs ?? 1000;
  const holdMs = options.holdMs ?? 5000;
  const now = options.clock ?? Date.now;
  let failed: { reason: string; at: number } | null = null;
  let last: { probe: Probe; at: number } | null = null;
  let inFlight: Promise<Probe> | null = null;

  async function probe(): Promise<Probe> {
    try {
      await options.probe();
      return { status: 200, body: { status: 'ready' } };
    } catch (error) {
      // The reason is the domain's own words (full, read-only, locked), never SQL.
      const reason = error instanceof StorageUnavailableError ? error.reason : 'unreachable';
      return unavailable(reason);
    }
  }

  return {
    async check() {
      if (options.draining()) return { status: 503, body: { status: 'draining' } };
      if (options.warmingUp?.()) return { status: 503, body: { status: 'warming-up' } };
      if (failed && now() - failed.at < holdMs) return unavailable(failed.reason);
      if (last && now() - last.at < refreshMs) return last.probe;
      // Concurrent callers share one probe rather than each taking the write lock.
      inFlight ??= probe().then((result) => {
        last = { probe: result, at: now() };
        inFlight = null;
        return result;
      });
      return inFlight;
    },
    writeFailed(reason) {
      failed = { reason, at: now() };
      last = null;
    },
    writeSucceeded() {
      failed = null;
      if (last && last.probe.status !== 200) last = null;
    },
  };
}

function unavailable(reason: string): Probe {
  return { status: 503, body: { status: 'storage-unavailable', reason } };
}
