// One machine, both cores: `submitQuote` latency while the service's worker drains a backlog at full speed, with
// the worker in the API's event loop (npm start) and in a child process of it (WORKER_PROCESS=true), beside the
// API alone (WORKER_CONCURRENCY=0) in the same run. Each mode starts the real `src/main.ts` (npm start's flags) on
// a SQLite file holding a backlog of real quotes (stored before the start), then:
//   cold:   the first 2,000 submitQuote right after "listening", 50 connections (the worker starting to drain);
//   steady: submitQuote for `seconds` from 50 keep-alive connections (a closed loop), the worker draining.
// Modes rotate within each round; figures are per-round medians, ratios the median of per-round ratios.
//   node --max-semi-space-size=64 --import tsx bench/cores.ts [--rounds 3] [--seconds 5] [--backlog 40000]
//     [--database postgres://...]   (PostgreSQL: a schema of its own per mode and round, dropped after)
// Standalone (not a workload of bench/run.ts yet); prints a table and the raw rounds as JSON.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { openPostgres } from '../src/db/postgres/open.js';
import { openSqlite } from '../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../src/db/sqlite/store.js';
import { newMessageId } from '../src/queue/ids.js';
import type { QueueStore } from '../src/queue/store.js';
import type { NewMessage } from '../src/queue/types.js';
import { autoPriority } from '../src/quotes/priority.js';
import { parseSubmission } from '../src/quotes/submission.js';
import { quotePayload } from './quote-payloads.js';
import { median, round } from './stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    backlog: { type: 'string', default: '40000' },
    database: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const BACKLOG = Number(values.backlog);
const CONNECTIONS = 50;
const PG_URL = values.database;

const MODES = {
  'api-alone': { WORKER_CONCURRENCY: '0' },
  'worker-inline': { WORKER_CONCURRENCY: '4' },
  'worker-process': { WORKER_CONCURRENCY: '4', WORKER_PROCESS: 'true' },
} as const;
type Mode = keyof typeof MODES;

const BODY = JSON.stringify({
  query:
    'mutation Submit($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId status priority } }',
  variables: { input: { submission: quotePayload(1) } },
});

interface Round {
  mode: Mode;
  coldP99: number;
  p50: number;
  p99: number;
  submitRate: number;
  drainRate: number;
  /** Requests unanswered within 10 s (cold and steady together). */
  timeouts: number;
}

/** Stores `count` real quotes, PENDING, in the database: the worker's backlog. */
async function preload(store: QueueStore, count: number): Promise<void> {
  try {
    for (let from = 0; from < count; from += 1000) {
      const list: NewMessage[] = [];
      for (let i = from; i < Math.min(count, from + 1000); i++) {
        const payload = parseSubmission(quotePayload(i)) as unknown as NewMessage['payload'];
        list.push({
          id: newMessageId(),
          priority: autoPriority((payload as { coverageAmount: number }).coverageAmount),
          payload,
          useAgentic: false,
          simulate: null,
          maxRetries: 3,
          timeoutSeconds: 300,
          owner: 'open',
          idempotencyKey: null,
          createdAt: new Date(),
        });
      }
      await store.enqueueMany(list, { maxSize: 100_000_000 }, new Date());
    }
  } finally {
    await store.close();
  }
}

function start(mode: Mode, databaseUrl: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      API_KEYS: '',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '4',
      MAX_QUEUE_SIZE: '10000000',
      LOG_LEVEL: 'warn',
      ...MODES[mode],
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ proc, url: m[1]! });
    });
    proc.once('exit', (code) => reject(new Error(`${mode} exited (${code}) before listening:\n${out}`)));
  });
}

async function completed(url: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ queueStats { completedCount } }' }),
  });
  return ((await res.json()) as { data: { queueStats: { completedCount: number } } }).data.queueStats
    .completedCount;
}

async function hit(url: string, options: { amount?: number; duration?: number }) {
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: BODY,
    connections: CONNECTIONS,
    pipelining: 1,
    ...options,
  });
  if (r.non2xx > 0) throw new Error(`${r.non2xx} non-2xx answers`);
  // A request unanswered within autocannon's 10 s counts as a timeout: reported, not hidden in the percentiles.
  return r;
}

/** A fresh database with the backlog: a SQLite file, or a PostgreSQL schema; `drop` removes it. */
async function database(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!PG_URL) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-cores-'));
    const path = join(dir, 'quotes.db');
    await preload(new SqliteQueueStore(openSqlite(path)), BACKLOG);
    return { url: path, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `bench_cores_${Math.random().toString(36).slice(2, 10)}`;
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  await preload(await openPostgres(PG_URL, { schema, poolSize: 2 }), BACKLOG);
  const url = new URL(PG_URL);
  url.searchParams.set('search_path', schema);
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

async function measure(mode: Mode): Promise<Round> {
  const db = await database();
  const { proc, url } = await start(mode, db.url);
  try {
    const cold = await hit(url, { amount: 2000 });
    const done0 = await completed(url);
    const t0 = performance.now();
    const steady = await hit(url, { duration: SECONDS });
    const elapsed = (performance.now() - t0) / 1000;
    const drained = (await completed(url)) - done0;
    return {
      mode,
      coldP99: cold.latency.p99,
      p50: steady.latency.p50,
      p99: steady.latency.p99,
      submitRate: Math.round(steady['2xx'] / elapsed),
      drainRate: Math.round(drained / elapsed),
      timeouts: cold.timeouts + steady.timeouts,
    };
  } finally {
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
    await db.drop();
  }
}

const rounds: Round[] = [];
const modes = Object.keys(MODES) as Mode[];
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < modes.length; k++) {
    const mode = modes[(r + k) % modes.length]!;
    const result = await measure(mode);
    rounds.push(result);
    process.stderr.write(`round ${r + 1}: ${JSON.stringify(result)}\n`);
  }
}
const of = (mode: Mode, key: keyof Omit<Round, 'mode'>) =>
  median(rounds.filter((x) => x.mode === mode).map((x) => x[key]));
const ratio = (mode: Mode) => {
  const per: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const slice = rounds.slice(r * modes.length, (r + 1) * modes.length);
    const alone = slice.find((x) => x.mode === 'api-alone')!;
    per.push(slice.find((x) => x.mode === mode)!.p99 / alone.p99);
  }
  return round(median(per), 2);
};
console.log(
  '| mode | first 2,000 p99 ms | steady p50 ms | steady p99 ms | p99 / API alone | submits/s | drained/s |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const mode of modes) {
  console.log(
    `| ${mode} | ${of(mode, 'coldP99')} | ${of(mode, 'p50')} | ${of(mode, 'p99')} | ${mode === 'api-alone' ? '1' : ratio(mode)} | ${of(mode, 'submitRate')} | ${of(mode, 'drainRate')} | ${of(mode, 'timeouts')} |`,
  );
}
console.log(JSON.stringify(rounds));
