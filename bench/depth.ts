// Workload 4, depth: the cost of one claim with 1,000 and with 1,000,000 PENDING messages behind it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../src/db/sqlite/store.js';
import type { NewMessage, Priority } from '../src/queue/types.js';
import { benchMessage } from './messages.js';
import { median, round } from './stats.js';
import { inTurn, timeClaim } from './timing.js';

const PRIORITIES: Priority[] = ['URGENT', 'HIGH', 'NORMAL', 'LOW'];

export interface DepthResult {
  claimMsAt1k: number;
  claimMsAt1M: number;
  ratio: number;
  depths: Record<string, { depth: number; claimMs: number; rounds: number[] }>;
}

interface Seeded {
  store: SqliteQueueStore;
  close(): Promise<void>;
}

/** A queue `depth` deep, its log checkpointed into the database. */
async function seed(depth: number): Promise<Seeded> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-depth-'));
  const db = openSqlite(join(dir, 'q.db'));
  const store = new SqliteQueueStore(db);
  const close = async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const now = new Date();
    const chunk = 10_000;
    for (let done = 0; done < depth; done += chunk) {
      const batch: NewMessage[] = [];
      for (let i = done; i < Math.min(depth, done + chunk); i++) {
        batch.push(benchMessage({ id: `m${i}`, priority: PRIORITIES[i % 4]!, createdAt: now }));
      }
      await store.enqueueMany(batch, { maxSize: depth + 1 }, now);
    }
    // The seeding leaves hundreds of MB in the log; the claims are timed once it is in the database, not while the
    // checkpoint thread is still copying it (which measured how fast the seeding was, not the claim).
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { store, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Both queues seeded first, then their claims timed in turn (shallow, deep, deep, shallow, ...), so a slow spell
 * of the machine falls on both depths alike: measured one after the other, minutes apart, the deep claim read
 * 0.084 ms in one run and 0.147 in the next while the shallow one held at ~0.08. Each round's figure per depth is
 * its median claim; the ratio is the median of the rounds' ratios.
 */
export async function runDepth(quick: boolean): Promise<DepthResult> {
  const big = quick ? 20_000 : 1_000_000;
  const rounds = 3;
  const claims = quick ? 50 : 200;
  const shallow = await seed(1000);
  try {
    const deep = await seed(big);
    try {
      const small: number[] = [];
      const large: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const [a, b] = await inTurn(
          () => timeClaim(shallow.store),
          () => timeClaim(deep.store),
          claims,
        );
        small.push(median(a));
        large.push(median(b));
      }
      const claimMsAt1k = round(median(small), 4);
      const claimMsAt1M = round(median(large), 4);
      return {
        claimMsAt1k,
        claimMsAt1M,
        ratio: round(median(large.map((x, i) => x / small[i]!)), 2),
        depths: {
          small: { depth: 1000, claimMs: claimMsAt1k, rounds: small.map((v) => round(v, 4)) },
          large: { depth: big, claimMs: claimMsAt1M, rounds: large.map((v) => round(v, 4)) },
        },
      };
    } finally {
      await deep.close();
    }
  } finally {
    await shallow.close();
  }
}
