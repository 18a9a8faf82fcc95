// The accounting at the end of a chaos run, read through the store of either engine: what was lost, what completed
// twice (from the event log), whether every message's versions run 1..n, and (SQLite) file integrity.
import type { QueueStore } from '../../src/queue/store.js';

export interface Verdict {
  /** Accepted or stored messages. */
  messages: number;
  /** Accepted but missing, or stored but not COMPLETED/FAILED. */
  lost: string[];
  /** Messages with more than one completion event. */
  completedTwice: string[];
  /** Messages whose event versions are not exactly 1..n. */
  gaps: string[];
  /** `PRAGMA integrity_check` on SQLite; `ok` on PostgreSQL, whose server keeps its own files. */
  integrity: string;
}

/** Messages still PENDING or PROCESSING: the run waits for this to reach 0 before judging. */
export async function unfinished(store: QueueStore): Promise<number> {
  const stats = await store.stats(new Date(), 1);
  return stats.pendingCount + stats.processingCount;
}

export async function judge(
  store: QueueStore,
  accepted: ReadonlySet<string>,
  integrity: () => string = () => 'ok',
): Promise<Verdict> {
  const stored = new Map((await store.list({}, { limit: 10_000_000 })).map((m) => [m.id, m.status]));
  const ids = new Set([...accepted, ...stored.keys()]);
  const lost = [...ids].filter((id) => {
    const status = stored.get(id);
    return status !== 'COMPLETED' && status !== 'FAILED';
  });

  const completions = new Map<string, number>();
  const versions = new Map<string, number>();
  const gaps = new Set<string>();
  for (let seq = 0; ; ) {
    const batch = await store.eventsAfter(seq, 5000);
    for (const e of batch) {
      seq = e.seq;
      if (e.kind.startsWith('completed'))
        completions.set(e.messageId, (completions.get(e.messageId) ?? 0) + 1);
      // In log order each message's versions must follow one another.
      if (e.version !== (versions.get(e.messageId) ?? 0) + 1) gaps.add(e.messageId);
      versions.set(e.messageId, e.version);
    }
    if (batch.length < 5000) break;
  }
  for (const id of stored.keys()) if (!versions.has(id)) gaps.add(id);

  return {
    messages: ids.size,
    lost,
    completedTwice: [...completions].filter(([, n]) => n > 1).map(([id]) => id),
    gaps: [...gaps],
    integrity: integrity(),
  };
}
