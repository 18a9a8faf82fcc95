// The `cores` workload (issue 20, one machine on both cores): `submitQuote` latency while the service's worker
// drains a backlog at full speed, with the worker in a child process at a lower CPU priority (npm start's default:
// WORKER_PROCESS=true, WORKER_NICE=10), in a child at the API's priority (WORKER_NICE=0) and in the API's event loop
// (WORKER_PROCESS=false), beside the API alone (WORKER_CONCURRENCY=0), in one run; and the first 2,000 submissions
// after /ready with the JIT warm-up (WARM_UP_MS, default) and without it. Each mode starts the real `src/main.ts`
// (npm start's flags) on a SQLite file holding a backlog of real quotes (stored before the start), waits for
// /ready as a load balancer would, then:
//   first 2,000: submitQuote right after /ready, 50 connections (the worker draining the backlog);
//   steady:      submitQuote for `seconds` from 50 keep-alive connections (a closed loop), the worker draining.
// Modes rotate within each round; figures are per-round medians, ratios the median of per-round ratios.
// In `npm run bench` (workload `cores`); alone:
//   node --max-semi-space-size=64 --import tsx bench/cores.ts [--quick] [--rounds 3] [--database postgres://...]
//     (PostgreSQL: a schema of its own per mode and round, dropped after)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { openPostgres } from '../src/db/postgres/open.js';
import { openSqlite } from '../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../src/db/sqlite/store.js';
import { newMessageId } from '../src/queue/ids.js';
import type { QueueStore } from '../src/queue/store.js';
import type { NewMessage } from '../src/queue/types.js';
import { autoPriority } from '../src/quotes/priority.js';
import { parseSubmission } from '../src/quotes/submission.js';
import { type Figure, figureOf } from './figures.js';
import { post } from './post.js';
import { quotePayload } from './quote-payloads.js';
import { submitBody, submitLoad } from './submit-load.js';
import { CORES, CORES_METRICS, CORES_MODES, firstMetric } from './tables.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The cold figure: as many submissions right after /ready (a quick run's fewer, so the suite's run stays short). */
const first = (quick: boolean) => (quick ? 500 : 2000);

/** Each mode's environment over the service's defaults; bench/tables.ts lists them in this order. */
const MODES: Record<CoresMode, Record<string, string>> = {
  'API alone': { WORKER_CONCURRENCY: '0' },
  'worker in the API process': { WORKER_CONCURRENCY: '4', WORKER_PROCESS: 'false' },
  'worker in a child process': { WORKER_CONCURRENCY: '4', WORKER_PROCESS: 'true', WORKER_NICE: '0' },
  'worker in a niced child process': { WORKER_CONCURRENCY: '4', WORKER_PROCESS: 'true', WORKER_NICE: '10' },
  'worker in a niced child process, no warm-up': {
    WORKER_CONCURRENCY: '4',
    WORKER_PROCESS: 'true',
    WORKER_NICE: '10',
    WARM_UP_MS: '0',
  },
};
export type CoresMode = (typeof CORES_MODES)[number];
/** The mode measured for the first 2,000 only: its steady state is the warmed mode's. */
const COLD_ONLY: CoresMode = 'worker in a niced child process, no warm-up';

const BODY = submitBody(quotePayload(1));

interface Round {
  mode: CoresMode;
  coldP99: number;
  p50: number;
  p99: number;
  submitRate: number;
  drainRate: number;
  /** Requests unanswered within 10 s (cold and steady together): reported, not hidden in the percentiles. */
  timeouts: number;
}

export interface CoresOptions {
  quick: boolean;
  rounds: number;
  /** PostgreSQL instead of a SQLite file: a schema per mode and round. */
  database?: string;
  /** Seconds of steady load per mode (default 5, quick 1). */
  seconds?: number;
  /** Quotes stored before the start (default 40,000, quick 5,000): more than the worker drains meanwhile. */
  backlog?: number;
  log?: (line: string) => void;
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
          options: null,
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

export function start(
  mode: CoresMode,
  databaseUrl: string,
  warmUpMs: string,
  /** `root`: another checkout of the service to start (an A/B against older code). */
  extra: { nodeArgs?: string[]; env?: Record<string, string>; root?: string } = {},
): Promise<{ proc: ChildProcess; url: string }> {
  const args = ['--max-semi-space-size=64', ...(extra.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts'];
  const proc = spawn(process.execPath, args, {
    cwd: extra.root ?? ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      API_KEYS: '',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '4',
      MAX_QUEUE_SIZE: '10000000',
      LOG_LEVEL: 'warn',
      // The service's default unless the mode says otherwise (the test suite's processes inherit 0).
      WARM_UP_MS: warmUpMs,
      ...MODES[mode],
      ...extra.env,
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

/** Polls /ready every 20 ms, as a load balancer's health check would (faster), until it answers 200. */
export async function ready(url: string): Promise<void> {
  const probe = url.replace(/\/graphql$/, '/ready');
  for (;;) {
    const res = await fetch(probe);
    await res.arrayBuffer();
    if (res.status === 200) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function completed(url: string): Promise<number> {
  const data = await post(url, '{ queueStats { completedCount } }');
  return (data.queueStats as { completedCount: number }).completedCount;
}

async function hit(url: string, options: { amount?: number; duration?: number }) {
  const r = await submitLoad(url, BODY, options);
  if (r.non2xx > 0) throw new Error(`${r.non2xx} non-2xx answers`);
  return r;
}

/** A fresh database with the backlog: a SQLite file, or a PostgreSQL schema; `drop` removes it. */
export async function database(
  pgUrl: string | undefined,
  backlog: number,
): Promise<{ url: string; drop(): Promise<void> }> {
  if (!pgUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-cores-'));
    const path = join(dir, 'quotes.db');
    await preload(new SqliteQueueStore(openSqlite(path)), backlog);
    return { url: path, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `bench_cores_${Math.random().toString(36).slice(2, 10)}`;
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  await preload(await openPostgres(pgUrl, { schema, poolSize: 2 }), backlog);
  const url = new URL(pgUrl);
  url.searchParams.set('search_path', schema);
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

async function measure(
  mode: CoresMode,
  options: Required<Omit<CoresOptions, 'database' | 'log'>> & CoresOptions,
) {
  const db = await database(options.database, options.backlog);
  // A quick run warms for a second, so the suite's run stays short; its figures are not the README's.
  const { proc, url } = await start(mode, db.url, options.quick ? '500' : '3000');
  try {
    await ready(url);
    const cold = await hit(url, { amount: first(options.quick) });
    if (mode === COLD_ONLY) {
      return {
        mode,
        coldP99: cold.latency.p99,
        p50: 0,
        p99: 0,
        submitRate: 0,
        drainRate: 0,
        timeouts: cold.timeouts,
      };
    }
    const done0 = await completed(url);
    const t0 = performance.now();
    const steady = await hit(url, { duration: options.seconds });
    const elapsed = (performance.now() - t0) / 1000;
    const drained = (await completed(url)) - done0;
    return {
      mode,
      coldP99: cold.latency.p99,
      p50: steady.latency.p50,
      p99: steady.latency.p99,
      submitRate: steady['2xx'] / elapsed,
      drainRate: drained / elapsed,
      timeouts: cold.timeouts + steady.timeouts,
    };
  } finally {
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
    await db.drop();
  }
}

/** Every mode in each round, each round starting one mode later; the figures of workload `cores`. */
export async function runCores(options: CoresOptions): Promise<Figure[]> {
  const full = {
    ...options,
    seconds: options.seconds ?? (options.quick ? 1 : 5),
    backlog: options.backlog ?? (options.quick ? 2000 : 40_000),
  };
  const modes = [...CORES_MODES];
  const rounds: Round[][] = [];
  for (let r = 0; r < options.rounds; r++) {
    const round: Round[] = [];
    for (let k = 0; k < modes.length; k++) {
      const result = await measure(modes[(r + k) % modes.length]!, full);
      round.push(result);
      options.log?.(`cores round ${r + 1}: ${JSON.stringify(result)}\n`);
    }
    rounds.push(round);
  }
  const of = (mode: CoresMode, key: keyof Omit<Round, 'mode'>) =>
    rounds.map((round) => round.find((x) => x.mode === mode)![key]);
  const figures: Figure[] = [];
  const M = CORES_METRICS;
  for (const mode of modes) {
    const fig = (
      metric: string,
      unit: string,
      better: 'higher' | 'lower',
      values: number[],
      digits: number,
    ) => figures.push(figureOf(CORES, 'quote-queue', `${mode}: ${metric}`, unit, better, values, digits));
    fig(firstMetric(first(options.quick)), 'ms', 'lower', of(mode, 'coldP99'), 2);
    if (mode === COLD_ONLY) continue;
    fig(M.p50, 'ms', 'lower', of(mode, 'p50'), 2);
    fig(M.p99, 'ms', 'lower', of(mode, 'p99'), 2);
    fig(M.submits, '/s', 'higher', of(mode, 'submitRate'), 0);
    fig(M.drained, '/s', 'higher', of(mode, 'drainRate'), 0);
    if (mode !== 'API alone') {
      const alone = of('API alone', 'p99');
      fig(
        M.ratio,
        'x',
        'lower',
        of(mode, 'p99').map((x, i) => x / alone[i]!),
        2,
      );
    }
    const timeouts = of(mode, 'timeouts');
    if (timeouts.some((t) => t > 0)) fig('requests unanswered within 10 s', '', 'lower', timeouts, 0);
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string' },
      backlog: { type: 'string' },
      database: { type: 'string' },
    },
  });
  const figures = await runCores({
    quick: values.quick ?? false,
    rounds: Number(values.rounds),
    seconds: values.seconds ? Number(values.seconds) : undefined,
    backlog: values.backlog ? Number(values.backlog) : undefined,
    database: values.database,
    log: (line) => process.stderr.write(line),
  });
  for (const f of figures) console.log(`${f.metric}: ${f.value} ${f.unit} (rounds ${f.rounds.join(', ')})`);
}
