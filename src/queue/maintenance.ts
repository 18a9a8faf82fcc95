// Periodic upkeep of the queue: retention clean-up and priority aging.
import type { QueueStore } from './store.js';

export interface MaintenanceOptions {
  store: QueueStore;
  /** COMPLETED and CANCELLED messages older than this are removed (RETENTION_HOURS). */
  retentionMs: number;
  /** Priority aging step (PRIORITY_AGING_SECONDS); 0 turns aging off. */
  agingMs: number;
  clock?: () => Date;
  /** How often retention runs. Default one minute. */
  purgeEveryMs?: number;
  onError?: (error: unknown, context: string) => void;
  onPurged?: (count: number) => void;
}

export interface Maintenance {
  /** Runs both tasks once now (also what the timers call). */
  runOnce(): Promise<{ purged: number; aged: number }>;
  stop(): void;
}

export function startMaintenance(options: MaintenanceOptions): Maintenance {
  const { store } = options;
  const clock = options.clock ?? (() => new Date());
  const onError = options.onError ?? (() => {});

  const purge = async () => {
    const purged = await store.purge(new Date(clock().getTime() - options.retentionMs));
    if (purged > 0) options.onPurged?.(purged);
    return purged;
  };
  const age = () => store.agePriorities(clock(), options.agingMs);

  const timers = [
    setInterval(() => purge().catch((e) => onError(e, 'purge')), options.purgeEveryMs ?? 60_000),
  ];
  // Aging is re-applied a few times per step so a message is raised soon after it has waited long enough.
  if (options.agingMs > 0) {
    timers.push(
      setInterval(() => age().catch((e) => onError(e, 'aging')), Math.max(250, options.agingMs / 4)),
    );
  }
  for (const t of timers) t.unref();

  return {
    async runOnce() {
      return { purged: await purge(), aged: await age() };
    },
    stop() {
      for (const t of timers) clearInterval(t);
    },
  };
}
