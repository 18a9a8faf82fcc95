// The accounting at the end of a chaos run, read from the SQLite file through the store: what was lost,
// what completed twice (from the event log), whether every message's versions run 1..n, and file integrity.
import { openSqlite } from '../../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../../src/db/sqlite/store.js';

export interface Verdict {
  /** Accepted or stored messages. */
  messages: number;
  /** Accepted but missing, or stored but not COMPLETED/FAILED. */
  lost: string[];
  /** Messages with more than one completion event. */
  completedTwice: string[];
  /** Messages whose event versions are not exactly 1..n. */
  gaps: string[];
  integrity: string;
}

/** Messages still PENDING or PROCESSING: the run waits for this to reach 0 before judging. */
export async function unfinished(store: SqliteQueueStore): Promise<number> {
  const stats = await store.stats(new Date(), 1);
  return stats.pendingCount + stats.processingCount;
}

export async function judge(dbPath: string, accepted: ReadonlySet<string>): Promise<Verdict> {
  const db = openSqlite(dbPath);
  const store = new SqliteQueueStore(db);
  try {
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
      integrity: String(db.pragma('integrity_check', { simple: true })),
    };
  } finally {
    await store.close();
  }
}
