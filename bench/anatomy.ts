// Where a drain's time goes (`npm run bench -- --only anatomy`): the evidence behind "what bounds the drain" in
// the README, measured in the same run as the figures it explains.
//
// 1. Ceilings, round-robin with our drain at concurrency 10: raw better-sqlite3 batched as we batch (10 claimed
//    and 10 completed per transaction, one UPDATE ... RETURNING claim), without and with one ~300-byte event row
//    per change (an outbox, indexed by job and version). What SQLite alone allows for each set of writes. And our
//    drain with the 32 MB page cache it had before: the cost of SQLite's walk of the cache (src/db/sqlite/open.ts).
// 2. Our drain with every SQLite statement timed (better-sqlite3's Statement methods wrapped for that round only):
//    microseconds per message for each kind of statement, for the JavaScript inside the write transactions,
//    and for everything outside them (worker, settler, feed, publishing).
// 3. A census of the write-ahead log of one drain (checkpoints held off): pages written per commit, and which
//    table or index each page belongs to. Every distinct b-tree page a commit touches is one more log frame.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SqliteQueueStore } from '../src/db/sqlite/store.js';
import { type Figure, figureOf } from './figures.js';
import { createQuoteQueue, quoteQueue } from './subjects/quote-queue.js';
import { benchPayload } from './subjects/subject.js';
import { drainRate } from './workloads.js';

const CONCURRENCY = 10;
/** The page cache before DEFAULT_CACHE_KIB (src/db/sqlite/open.ts), measured beside it. */
const OLD_CACHE_KIB = 32_000;
const bigCache = createQuoteQueue({ sqlite: { cacheKiB: OLD_CACHE_KIB } });
/** The kinds of statement a drain runs, by the start of their SQL. */
const KINDS: [string, RegExp][] = [
  ['claim UPDATE ... RETURNING', /^UPDATE messages\s+SET status = 'PROCESSING'/],
  ['settle UPDATE (one per message)', /^UPDATE messages SET/],
  ['events INSERT (multi-row)', /^INSERT INTO message_events/],
  ['status counts UPDATE', /^UPDATE status_counts/],
  ['BEGIN IMMEDIATE', /^BEGIN/],
  ['COMMIT (writing the log)', /^COMMIT/],
  ["writer's checkpoint share", /^PRAGMA wal_checkpoint/],
];
const OTHER = 'other statements';

export async function runAnatomy(quick: boolean, rounds: number): Promise<Figure[]> {
  const n = quick ? 500 : 20_000;
  const ceilings: Record<string, number[]> = { ours: [], bigCache: [], raw: [], rawEvents: [] };
  for (let r = 0; r < rounds; r++) {
    ceilings.ours!.push((await drainRate(quoteQueue, n, CONCURRENCY)).rate);
    ceilings.bigCache!.push((await drainRate(bigCache, n, CONCURRENCY)).rate);
    ceilings.raw!.push(batchedRaw(n, CONCURRENCY, false));
    ceilings.rawEvents!.push(batchedRaw(n, CONCURRENCY, true));
  }
  const split = await timedDrain(n);
  const census = await logCensus(quick ? 500 : 5000);

  const w = 'drain-anatomy';
  const rate = (subject: string, metric: string, values: number[]) =>
    figureOf(w, subject, metric, 'msg/s', 'higher', values, 0);
  const micros = (metric: string, value: number) =>
    figureOf(w, 'quote-queue', metric, 'µs/msg', 'lower', [value], 1);
  return [
    rate('quote-queue', `ours, drain at concurrency ${CONCURRENCY}`, ceilings.ours!),
    rate(
      'quote-queue',
      `ours with a ${OLD_CACHE_KIB / 1000} MB page cache (SQLite walks all of it on a commit that moved pages)`,
      ceilings.bigCache!,
    ),
    rate(
      'raw-batched',
      `raw SQLite, ${CONCURRENCY} claimed and ${CONCURRENCY} completed per transaction, no events`,
      ceilings.raw!,
    ),
    rate('raw-batched', 'the same with one event row per change (an outbox)', ceilings.rawEvents!),
    micros('timed drain: all of it', split.total),
    ...[...KINDS.map(([kind]) => kind), OTHER].map((kind) =>
      micros(`SQLite: ${kind}`, split.statements[kind] ?? 0),
    ),
    micros('JavaScript inside the write transactions', split.jsInTransactions),
    micros("publishing a commit's events (the feed, the bench's listener)", split.publishing),
    micros('the rest: worker, settler, promise turns', split.outside),
    figureOf(w, 'quote-queue', 'log pages per commit', 'pages', 'lower', [census.perCommit], 1),
    ...Object.entries(census.byTree).map(([tree, pages]) =>
      figureOf(w, 'quote-queue', `log pages per commit: ${tree}`, 'pages', 'lower', [pages], 2),
    ),
  ];
}

/**
 * Raw better-sqlite3 batched the way our worker batches: each transaction completes the batch before and claims
 * the next `batch`; with `events`, one event row per change as well. Synchronous: SQLite's work only.
 */
function batchedRaw(n: number, batch: number, events: boolean): number {
  const dir = mkdtempSync(join(tmpdir(), 'bench-anatomy-'));
  const db = new Database(join(dir, 'raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE jobs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, priority INTEGER NOT NULL, status TEXT NOT NULL,
        payload TEXT NOT NULL, result TEXT, started_at INTEGER, completed_at INTEGER);
      CREATE INDEX jobs_claim_idx ON jobs (priority DESC, seq) WHERE status = 'PENDING';
      CREATE TABLE job_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, job INTEGER NOT NULL,
        version INTEGER NOT NULL, snapshot TEXT NOT NULL);
      CREATE UNIQUE INDEX job_events_job_idx ON job_events (job, version);`);
    const insert = db.prepare("INSERT INTO jobs (priority, status, payload) VALUES (2, 'PENDING', ?)");
    db.transaction(() => {
      for (let i = 0; i < n; i++) insert.run(JSON.stringify(benchPayload(i)));
    })();
    const claim = db.prepare(`UPDATE jobs SET status = 'PROCESSING', started_at = ?
      WHERE seq IN (SELECT seq FROM jobs WHERE status = 'PENDING' ORDER BY priority DESC, seq LIMIT ? + 0)
      RETURNING seq, payload`);
    const complete = db.prepare(
      "UPDATE jobs SET status = 'DONE', completed_at = ?, result = ? WHERE seq = ?",
    );
    const event = db.prepare('INSERT INTO job_events (job, version, snapshot) VALUES (?, ?, ?)');
    // About the size of our snapshots (the message at that version, without its payload).
    const snapshot = 'x'.repeat(300);
    const step = db.transaction((finished: { seq: number }[]) => {
      const now = Date.now();
      for (const job of finished) {
        complete.run(now, 'null', job.seq);
        if (events) event.run(job.seq, 3, snapshot);
      }
      const claimed = claim.all(now, batch) as { seq: number; payload: string }[];
      if (events) for (const job of claimed) event.run(job.seq, 2, snapshot);
      return claimed;
    });
    const t0 = performance.now();
    let done = 0;
    for (let claimed = step([]); claimed.length > 0; claimed = step(claimed)) {
      for (const job of claimed) JSON.parse(job.payload);
      done += claimed.length;
    }
    if (done !== n) throw new Error(`batched raw drained ${done} of ${n}`);
    return n / ((performance.now() - t0) / 1000);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Split {
  total: number;
  statements: Record<string, number>;
  jsInTransactions: number;
  /** The store handing a commit's events to the feed, which publishes them (in the same call). */
  publishing: number;
  outside: number;
}

/** One drain with every statement timed; microseconds per message. */
async function timedDrain(n: number): Promise<Split> {
  const Statement = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1'));
  const methods = ['run', 'get', 'all', 'iterate'] as const;
  const originals = methods.map((m) => Statement[m] as (...args: unknown[]) => unknown);
  const statementMs: Record<string, number> = {};
  let inTransactions = 0;
  let publishing = 0;
  let timing = false;
  methods.forEach((m, i) => {
    const original = originals[i]!;
    Statement[m] = function (this: { source: string }, ...args: unknown[]) {
      if (!timing) return original.apply(this, args);
      const t = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const kind = KINDS.find(([, re]) => re.test(this.source.trimStart()))?.[0] ?? OTHER;
        statementMs[kind] = (statementMs[kind] ?? 0) + performance.now() - t;
      }
    };
  });
  const subject = createQuoteQueue({
    // A write transaction runs synchronously inside these calls (see src/db/sqlite/store.ts), then the store hands its
    // events to its listeners: this one first (registered before the feed's), marking the commit's end.
    opened(store: SqliteQueueStore) {
      let committed: number | null = null;
      store.onAppended(() => {
        committed = performance.now();
      });
      for (const name of ['claim', 'change', 'changeAndClaim'] as const) {
        const original = store[name].bind(store) as (...args: unknown[]) => Promise<unknown>;
        (store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
          const t = performance.now();
          committed = null;
          try {
            return original(...args);
          } finally {
            const end = performance.now();
            if (timing) {
              inTransactions += (committed ?? end) - t;
              publishing += end - (committed ?? end);
            }
          }
        };
      }
    },
    working: () => {
      timing = true;
    },
    closing: () => {
      timing = false;
    },
  });
  try {
    const { rate } = await drainRate(subject, n, CONCURRENCY);
    const perMessage = (ms: number) => (ms * 1000) / n;
    const statements = Object.fromEntries(Object.entries(statementMs).map(([k, ms]) => [k, perMessage(ms)]));
    const inStatements = Object.values(statementMs).reduce((a, b) => a + b, 0);
    const total = 1e6 / rate;
    return {
      total,
      statements,
      jsInTransactions: perMessage(inTransactions - inStatements),
      publishing: perMessage(publishing),
      outside: total - perMessage(inTransactions + publishing),
    };
  } finally {
    methods.forEach((m, i) => {
      Statement[m] = originals[i];
    });
  }
}

/** One drain with checkpoints held off; its log read back frame by frame (sqlite.org/fileformat.html#walformat). */
async function logCensus(n: number): Promise<{ perCommit: number; byTree: Record<string, number> }> {
  let db!: Database.Database;
  let firstFrame = 0;
  let frames: { page: number; commit: boolean }[] = [];
  let owners = new Map<number, string>();
  const walFrames = () => {
    const wal = readFileSync(`${db.name}-wal`);
    const pageSize = wal.readUInt32BE(8);
    const out: { page: number; commit: boolean }[] = [];
    for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
      // A frame header: the page number, then the database size in pages, non-zero on a commit's last frame.
      out.push({ page: wal.readUInt32BE(at), commit: wal.readUInt32BE(at + 4) !== 0 });
    }
    return out;
  };
  const subject = createQuoteQueue({
    store: { checkpoint: 'sqlite' },
    opened(_store, opened) {
      db = opened;
      db.pragma('wal_autocheckpoint = 0');
    },
    working() {
      firstFrame = walFrames().length;
    },
    closing() {
      frames = walFrames().slice(firstFrame);
      // Which b-tree each page belongs to now (dbstat); page 1 holds the file header and the schema.
      owners = new Map(
        (db.prepare('SELECT pageno, name FROM dbstat').all() as { pageno: number; name: string }[]).map(
          (r) => [r.pageno, r.name],
        ),
      );
    },
  });
  await drainRate(subject, n, CONCURRENCY);
  const commits = frames.filter((f) => f.commit).length;
  const counts: Record<string, number> = {};
  for (const { page } of frames) {
    const tree = page === 1 ? 'page 1 (file header)' : (owners.get(page) ?? 'freed since');
    counts[tree] = (counts[tree] ?? 0) + 1;
  }
  const byTree = Object.fromEntries(
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([tree, count]) => [tree, count / commits]),
  );
  return { perCommit: frames.length / commits, byTree };
}
