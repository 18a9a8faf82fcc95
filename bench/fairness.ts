// Workload `fairness`: caller A queues 5,000 at NORMAL, then caller B 10; the store is drained four at a time (each
// transaction completes the four taken and claims the next four, as the worker does at concurrency 4). Two runs
// side by side on SQLite: the callers as two owners (they take turns) and the same messages all under one owner
// (plain oldest-first, B's ten at the back). Figures: B's wait (from the drain's start to each of B's claims), p99,
// and the drain's messages per second, each the median of the rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../src/db/sqlite/store.js';
import { complete } from '../src/queue/transitions.js';
import type { Message, NewMessage } from '../src/queue/types.js';
import { type Figure, figureOf } from './figures.js';
import { BENCH_PAYLOAD, benchMessage } from './messages.js';
import { percentile } from './stats.js';

const A = 5000;
const B = 10;
const CONCURRENCY = 4;
const DONE = { result: { ok: true }, review: { required: false, reasons: [] } };

function message(i: number, owner: string): NewMessage {
  return benchMessage({
    id: `${owner}-${i}-${Math.random().toString(36).slice(2, 8)}`,
    payload: { ...BENCH_PAYLOAD, applicantName: `Caller ${i}` },
    owner,
  });
}

/** One drain; `fair`: B's messages under an owner of their own. Returns B's waits (ms) and the drain's rate. */
async function drain(fair: boolean, a: number): Promise<{ waits: number[]; rate: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-fairness-'));
  const db = openSqlite(join(dir, 'q.db'));
  const store = new SqliteQueueStore(db);
  try {
    const now = new Date();
    const max = { maxSize: a + B + 1 };
    for (let done = 0; done < a; done += 1000) {
      const batch = Array.from({ length: Math.min(1000, a - done) }, (_, i) => message(done + i, 'A'));
      await store.enqueueMany(batch, max, now);
    }
    const bs = await store.enqueueMany(
      Array.from({ length: B }, (_, i) => message(i, fair ? 'B' : 'A')),
      max,
      now,
    );
    const ofB = new Set(bs.map((s) => s.message.id));
    db.pragma('wal_checkpoint(TRUNCATE)');
    const waits: number[] = [];
    const t0 = performance.now();
    const claim = { workerId: 'bench', limit: CONCURRENCY, leaseMs: 60_000, now: new Date() };
    let held: Message[] = await store.claim(claim);
    let count = 0;
    while (held.length > 0) {
      const at = performance.now() - t0;
      for (const m of held) if (ofB.has(m.id)) waits.push(at);
      count += held.length;
      const requests = held.map((m) => ({
        id: m.id,
        transition: complete({ id: m.id, attempts: m.attempts }, DONE),
      }));
      held = (await store.changeAndClaim(requests, new Date(), { ...claim, now: new Date() })).claimed;
    }
    const seconds = (performance.now() - t0) / 1000;
    if (count !== a + B || waits.length !== B) throw new Error(`drained ${count}, B ${waits.length}`);
    return { waits, rate: count / seconds };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runFairness(quick: boolean, rounds: number): Promise<Figure[]> {
  const a = quick ? 500 : A;
  const fairWait: number[] = [];
  const plainWait: number[] = [];
  const fairRate: number[] = [];
  const plainRate: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so a slow spell of the machine falls on both alike.
    for (const fair of r % 2 === 0 ? [true, false] : [false, true]) {
      const { waits, rate } = await drain(fair, a);
      (fair ? fairWait : plainWait).push(percentile(waits, 99));
      (fair ? fairRate : plainRate).push(rate);
    }
  }
  const label = `A ${a.toLocaleString('en-US')} then B ${B}, drained ${CONCURRENCY} at a time`;
  return [
    figureOf('fairness', 'sqlite', `B's wait p99, callers take turns (${label})`, 'ms', 'lower', fairWait, 2),
    figureOf(
      'fairness',
      'sqlite',
      `B's wait p99, one owner: oldest first (${label})`,
      'ms',
      'lower',
      plainWait,
      2,
    ),
    figureOf('fairness', 'sqlite', 'drain, callers take turns', 'msg/s', 'higher', fairRate, 0),
    figureOf('fairness', 'sqlite', 'drain, one owner', 'msg/s', 'higher', plainRate, 0),
    figureOf(
      'fairness',
      'sqlite',
      'drain ratio, turns / one owner',
      'x',
      'higher',
      fairRate.map((v, i) => v / plainRate[i]!),
      2,
    ),
  ];
}
