// Workload `scheduled`: the cost of one claim with 1,000 messages due now, alone and beside 100,000 scheduled for
// tomorrow, side by side in one run, on SQLite and (when it answers) PostgreSQL. The claim index holds only due
// messages (src/db/*/tables.ts), so the waiting ones should cost it nothing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { openPostgres } from '../src/db/postgres/open.js';
import { openSqlite } from '../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../src/db/sqlite/store.js';
import type { QueueStore } from '../src/queue/store.js';
import type { NewMessage } from '../src/queue/types.js';
import { type Figure, figureOf } from './figures.js';
import { benchMessage } from './messages.js';
import { median, round } from './stats.js';
import { inTurn, timeClaim } from './timing.js';

const PG_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://127.0.0.1:5432/test';
const DUE = 1000;
const DAY_MS = 86_400_000;

interface Opened {
  store: QueueStore;
  /** Makes the seeded data settle before timing (SQLite: checkpoint the log; PostgreSQL: ANALYZE). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

function message(i: number, now: Date, runAt: Date | null): NewMessage {
  return benchMessage({
    id: `m${i}-${randomBytes(3).toString('hex')}`,
    priority: (['URGENT', 'HIGH', 'NORMAL', 'LOW'] as const)[i % 4]!,
    createdAt: now,
    runAt,
  });
}

/** `scheduled` messages due tomorrow enqueued first (so they are the oldest), then DUE due now. */
async function seed(opened: Opened, scheduled: number): Promise<void> {
  const now = new Date();
  const tomorrow = new Date(now.getTime() + DAY_MS);
  const chunk = 5000;
  const max = { maxSize: scheduled + DUE + 1 };
  for (let done = 0; done < scheduled; done += chunk) {
    const batch: NewMessage[] = [];
    for (let i = done; i < Math.min(scheduled, done + chunk); i++) batch.push(message(i, now, tomorrow));
    await opened.store.enqueueMany(batch, max, now);
  }
  const due: NewMessage[] = [];
  for (let i = 0; i < DUE; i++) due.push(message(scheduled + i, now, null));
  await opened.store.enqueueMany(due, max, now);
  await opened.settle();
}

function openSqliteStore(): Opened {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scheduled-'));
  const db = openSqlite(join(dir, 'q.db'));
  const store = new SqliteQueueStore(db);
  return {
    store,
    async settle() {
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPgStore(admin: postgres.Sql): Promise<Opened> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`CREATE SCHEMA "${schema}"`);
  const store = await openPostgres(PG_URL, { poolSize: 2, schema, applicationName: schema });
  return {
    store,
    async settle() {
      await admin.unsafe(`ANALYZE "${schema}".messages`);
    },
    async close() {
      await store.close();
      await admin.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
    },
  };
}

/**
 * Both stores seeded first, then their claims timed in turn (none, scheduled, scheduled, none, ...), so a slow
 * spell of the machine falls on both alike. Each round's figure is its median claim; the ratio is the median of
 * the rounds' ratios.
 */
async function measure(engine: string, open: () => Promise<Opened>, quick: boolean, rounds: number) {
  const scheduled = quick ? 10_000 : 100_000;
  const claims = quick ? 50 : 300;
  const plain = await open();
  const busy = await open();
  try {
    await seed(plain, 0);
    await seed(busy, scheduled);
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const [x, y] = await inTurn(
        () => timeClaim(plain.store),
        () => timeClaim(busy.store),
        claims / rounds,
      );
      a.push(median(x));
      b.push(median(y));
    }
    const label = `${scheduled.toLocaleString('en-US')} scheduled for tomorrow`;
    const ratios = b.map((v, i) => v / a[i]!);
    return [
      figureOf(
        'scheduled',
        engine,
        `one claim, ${DUE.toLocaleString('en-US')} due, none scheduled`,
        'ms',
        'lower',
        a,
        4,
      ),
      figureOf(
        'scheduled',
        engine,
        `one claim, ${DUE.toLocaleString('en-US')} due, ${label}`,
        'ms',
        'lower',
        b,
        4,
      ),
      {
        ...figureOf('scheduled', engine, 'ratio scheduled / none', 'x', 'lower', ratios, 2),
        rounds: ratios.map((v) => round(v, 2)),
      },
    ];
  } finally {
    await busy.close();
    await plain.close();
  }
}

export async function runScheduled(quick: boolean, rounds: number): Promise<Figure[]> {
  const figures = await measure('sqlite', async () => openSqliteStore(), quick, rounds);
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await admin`SELECT 1`;
  } catch {
    process.stderr.write(`scheduled: PostgreSQL not reachable at ${PG_URL}; SQLite only\n`);
    await admin.end({ timeout: 0 });
    return figures;
  }
  try {
    figures.push(...(await measure('postgres', () => openPgStore(admin), quick, rounds)));
  } finally {
    await admin.end({ timeout: 1 });
  }
  return figures;
}
