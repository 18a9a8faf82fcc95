// `npm run bench [-- --quick]`: runs the workloads side by side, prints a table, writes bench/results.json.
//
// Workloads 1-3 (enqueue, drain, end-to-end latency) run for our queue and its peers in the same process,
// round-robin (subject after subject within each round) so that a noisy moment hits all alike; each figure
// is the median of the rounds. Workload 4 (depth) is ours alone. Workloads 5 (GraphQL submit) and 6
// (subscriptions) are listed as pending (see PENDING below): each is to be its own module, bench/graphql.ts
// and bench/subscriptions.ts, returning figures like the ones here, pushed into `figures` by this file.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runDepth } from './depth.js';
import { median, round } from './stats.js';
import { bullmq, redisReachable } from './subjects/bullmq.js';
import { plainjob } from './subjects/plainjob.js';
import { quoteQueue } from './subjects/quote-queue.js';
import { rawSqlite } from './subjects/raw-sqlite.js';
import type { Subject } from './subjects/subject.js';
import { drainRate, enqueueRate, latency } from './workloads.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: new URL('./results.json', import.meta.url).pathname },
    /** Only these workloads, comma-separated: enqueue,drain,latency,depth. */
    only: { type: 'string' },
  },
});
const quick = values.quick ?? false;
const only = values.only ? new Set(values.only.split(',')) : null;
const wants = (w: string) => only === null || only.has(w);

const N = quick ? 500 : 20_000;
const LATENCY_N = quick ? 100 : 1000;
const RATE = 500;
const LATENCY_CONCURRENCY = 10;
const ROUNDS = 3;

/** Workloads that need the GraphQL server (src/server/app.ts `createServer`), not written yet. */
const PENDING = [
  {
    workload: 'graphql-submit',
    what: 'submitQuote over HTTP from 50 connections (autocannon) beside a bare yoga + SQLite server',
    reason: 'not written yet: needs src/server (createServer) and autocannon',
  },
  {
    workload: 'subscriptions',
    what: '1,000 and 10,000 graphql-ws subscribers: delivery p50/p99 and memory per subscriber',
    reason: 'not written yet: needs src/server (createServer) and graphql-ws clients',
  },
];

interface Figure {
  workload: string;
  subject: string;
  metric: string;
  value: number;
  unit: string;
  better: 'higher' | 'lower';
  rounds: number[];
}
interface NotMeasured {
  workload: string;
  subject: string;
  metric: string;
  reason: string;
}

const figures: Figure[] = [];
const notMeasured: NotMeasured[] = [];
const notes: string[] = [];
const started = Date.now();

const subjects: Subject[] = [quoteQueue, rawSqlite, plainjob];
if (await redisReachable()) subjects.push(bullmq);
else if (quick && process.env.CI !== 'true') {
  notes.push('BullMQ skipped: Redis is not reachable at 127.0.0.1:6379 (a quick run outside CI only).');
  for (const w of ['enqueue', 'drain', 'latency'])
    notMeasured.push({ workload: w, subject: 'bullmq', metric: '*', reason: 'Redis not reachable' });
} else {
  throw new Error(
    'BullMQ needs Redis at 127.0.0.1:6379: start it with redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
  );
}

interface Task {
  workload: string;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  /** One round for one subject: one value, or several named values (latency percentiles). */
  run(s: Subject): Promise<number | Record<string, number>>;
  cannot?(s: Subject): string | undefined;
}

const tasks: Task[] = [];
if (wants('enqueue')) {
  tasks.push(
    {
      workload: 'enqueue',
      metric: `${N} one at a time, awaited`,
      unit: 'msg/s',
      better: 'higher',
      run: (s) => enqueueRate(s, N, false),
    },
    {
      workload: 'enqueue',
      metric: `${N} in batches of 1,000`,
      unit: 'msg/s',
      better: 'higher',
      run: (s) => enqueueRate(s, N, true),
      cannot: (s) => s.cannot?.batch,
    },
  );
}
if (wants('drain')) {
  for (const c of [1, 10]) {
    tasks.push({
      workload: 'drain',
      metric: `${N} no-op, concurrency ${c}`,
      unit: 'msg/s',
      better: 'higher',
      run: (s) => drainRate(s, N, c),
    });
  }
}
if (wants('latency')) {
  tasks.push({
    workload: 'latency',
    metric: `submit to completed, ${LATENCY_N} at ${RATE}/s, concurrency ${LATENCY_CONCURRENCY}`,
    unit: 'ms',
    better: 'lower',
    run: async (s) => ({ ...(await latency(s, LATENCY_N, RATE, LATENCY_CONCURRENCY)) }),
  });
}

for (const task of tasks) {
  const perSubject = new Map<string, Record<string, number[]>>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of subjects) {
      const reason = task.cannot?.(s);
      if (reason) continue;
      const v = await task.run(s);
      const named = typeof v === 'number' ? { '': v } : v;
      const acc = perSubject.get(s.name) ?? {};
      for (const [k, x] of Object.entries(named)) acc[k] = [...(acc[k] ?? []), x];
      perSubject.set(s.name, acc);
    }
  }
  for (const s of subjects) {
    const reason = task.cannot?.(s);
    if (reason) {
      notMeasured.push({ workload: task.workload, subject: s.name, metric: task.metric, reason });
      continue;
    }
    for (const [k, rounds] of Object.entries(perSubject.get(s.name) ?? {})) {
      const digits = task.unit === 'ms' ? 2 : 0;
      figures.push({
        workload: task.workload,
        subject: s.name,
        metric: k ? `${task.metric}, ${k}` : task.metric,
        value: round(median(rounds), digits),
        unit: task.unit,
        better: task.better,
        rounds: rounds.map((x) => round(x, digits)),
      });
    }
  }
  process.stderr.write(`${task.workload}: ${task.metric} done\n`);
}

let depth: Awaited<ReturnType<typeof runDepth>> | undefined;
if (wants('depth')) {
  depth = await runDepth(quick);
  const d = depth;
  const depthFigure = (metric: string, value: number, unit: string, rounds: number[]) =>
    figures.push({ workload: 'depth', subject: 'quote-queue', metric, value, unit, better: 'lower', rounds });
  depthFigure(`one claim at ${d.depths.small!.depth} PENDING`, d.claimMsAt1k, 'ms', d.depths.small!.rounds);
  depthFigure(`one claim at ${d.depths.large!.depth} PENDING`, d.claimMsAt1M, 'ms', d.depths.large!.rounds);
  depthFigure('ratio deep / shallow', d.ratio, 'x', []);
}

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  quick,
  seconds: Math.round((Date.now() - started) / 1000),
  note: `Each figure is the median of ${ROUNDS} rounds, all subjects measured in one run on this machine.`,
  subjects: Object.fromEntries([quoteQueue, rawSqlite, plainjob, bullmq].map((s) => [s.name, s.note])),
  ...(depth
    ? {
        depth: {
          claimMsAt1k: depth.claimMsAt1k,
          claimMsAt1M: depth.claimMsAt1M,
          ratio: depth.ratio,
          unit: 'ms',
          detail: depth.depths,
        },
      }
    : {}),
  figures,
  notMeasured,
  pending: PENDING,
  notes,
};
writeFileSync(values.out!, `${JSON.stringify(results, null, 2)}\n`);
console.log(table());
for (const note of notes) console.log(note);
for (const p of PENDING) console.log(`pending: ${p.workload} (${p.what}): ${p.reason}`);
console.log(
  `\n${quick ? 'quick run' : 'full run'} in ${results.seconds} s on ${results.cores} cores, Node ${results.node}; written to ${values.out}`,
);

/** Rows of workload and metric; a column per subject, then ours / each peer. */
function table(): string {
  const names = [quoteQueue, rawSqlite, plainjob, bullmq].map((s) => s.name);
  const peers = names.slice(1);
  const keys = [...new Set(figures.map((f) => `${f.workload}\u0000${f.metric}`))];
  const lines = [
    `| workload | figure | ${names.join(' | ')} | ${peers.map((p) => `ours / ${p}`).join(' | ')} |`,
    `| --- | --- | ${names.map(() => '---:').join(' | ')} | ${peers.map(() => '---:').join(' | ')} |`,
  ];
  for (const key of keys) {
    const [workload, metric] = key.split('\u0000') as [string, string];
    const of = (name: string) =>
      figures.find((f) => f.workload === workload && f.metric === metric && f.subject === name);
    const cell = (name: string) => {
      const f = of(name);
      if (f) return `${f.value.toLocaleString('en-US')} ${f.unit}`;
      const missing = notMeasured.find(
        (m) =>
          m.subject === name && m.workload === workload && (m.metric === '*' || metric.startsWith(m.metric)),
      );
      return missing ? `n/a: ${missing.reason}` : '-';
    };
    const ours = of('quote-queue');
    const ratio = (peer: string) => {
      const p = of(peer);
      return ours && p && p.value > 0 && ours.unit !== 'x' ? `${round(ours.value / p.value, 2)}x` : '-';
    };
    lines.push(
      `| ${workload} | ${metric} | ${names.map(cell).join(' | ')} | ${peers.map(ratio).join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
