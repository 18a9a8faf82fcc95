// `npm run bench [-- --quick]`: runs the workloads side by side, prints a table, writes bench/results.json.
//
// Workloads 1-3 (enqueue, drain, end-to-end latency) run for our queue and its peers in the same process,
// round-robin (subject after subject within each round, each round starting one subject later) so that a
// noisy moment hits all alike; each figure is the median of the rounds, each ratio the median of the rounds'
// ratios. Workload 4 (depth) is ours alone. Workloads 5 (GraphQL submit, bench/graphql.ts) and 6
// (subscriptions, bench/subscriptions.ts) drive the real service in a child process over HTTP and WebSocket;
// their figures go into the same `figures` and get a table of their own.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runAnatomy } from './anatomy.js';
import { runDepth } from './depth.js';
import type { Figure } from './figures.js';
import { runGraphqlSubmit } from './graphql.js';
import { HEAP_FLAGS } from './servers/child.js';
import { median, round } from './stats.js';
import { bullmq, redisReachable } from './subjects/bullmq.js';
import { plainjob } from './subjects/plainjob.js';
import { quoteQueue } from './subjects/quote-queue.js';
import { rawSqlite } from './subjects/raw-sqlite.js';
import type { Subject } from './subjects/subject.js';
import { runSubscriptions } from './subscriptions.js';
import { drainRate, enqueueRate, latency } from './workloads.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: new URL('./results.json', import.meta.url).pathname },
    /** Only these workloads, comma-separated: enqueue,drain,latency,depth,graphql,subscriptions,anatomy. */
    only: { type: 'string' },
  },
});
const quick = values.quick ?? false;
const only = values.only ? new Set(values.only.split(',')) : null;
const wants = (w: string) => only === null || only.has(w);

const N = quick ? 500 : 20_000;
/** The drain's second figure: CPU time per message over all of a subject's processes (see workloads.ts). */
const DRAIN_CPU = 'CPU per message, all its processes';
const LATENCY_N = quick ? 100 : 1000;
const RATE = 500;
const LATENCY_CONCURRENCY = 10;
const ROUNDS = 3;
/**
 * Rounds of the peer workloads (enqueue, drain, latency): each is seconds long and the peers' rates swing with
 * this shared machine (raw SQLite's drain 10k-25k msg/s across runs), so five, which a full run can afford.
 */
const PEER_ROUNDS = quick ? ROUNDS : 5;

/** Workloads 5 and 6, against a server process: their own table (ours, bare yoga, and the ratio). */
const SERVER_WORKLOADS = new Set(['graphql-submit', 'subscriptions']);
/** Where the drain's time goes (bench/anatomy.ts): a table of its own, one value per row. */
const ANATOMY = 'drain-anatomy';
const ownTable = (workload: string) => SERVER_WORKLOADS.has(workload) || workload === ANATOMY;

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
const peerWorkloads = ['enqueue', 'drain', 'latency'].filter(wants);
if (peerWorkloads.length === 0) {
  // No workload that uses the peers: Redis is not needed.
} else if (await redisReachable()) subjects.push(bullmq);
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
  /** Named values measured in another unit than the task's (the drain's CPU per message). */
  otherUnits?: Record<string, { unit: string; better: 'higher' | 'lower'; digits: number }>;
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
      run: async (s) => {
        const d = await drainRate(s, N, c);
        return { '': d.rate, [DRAIN_CPU]: d.cpuUsPerMsg };
      },
      otherUnits: { [DRAIN_CPU]: { unit: 'µs/msg', better: 'lower', digits: 1 } },
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
  for (let r = 0; r < PEER_ROUNDS; r++) {
    // Each round starts with the next subject, so none always runs first or right after the same peer.
    for (const s of [...subjects.slice(r % subjects.length), ...subjects.slice(0, r % subjects.length)]) {
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
      const other = task.otherUnits?.[k];
      const digits = other?.digits ?? (task.unit === 'ms' ? 2 : 0);
      figures.push({
        workload: task.workload,
        subject: s.name,
        metric: k ? `${task.metric}, ${k}` : task.metric,
        value: round(median(rounds), digits),
        unit: other?.unit ?? task.unit,
        better: other?.better ?? task.better,
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

if (wants('anatomy')) {
  figures.push(...(await runAnatomy(quick, ROUNDS)));
  process.stderr.write('drain anatomy done\n');
}

if (wants('graphql')) {
  figures.push(...(await runGraphqlSubmit(quick, ROUNDS)));
  process.stderr.write('graphql-submit done\n');
}
if (wants('subscriptions')) {
  figures.push(...(await runSubscriptions(quick, ROUNDS)));
  process.stderr.write('subscriptions done\n');
}

const results = {
  date: new Date().toISOString(),
  node: process.version,
  // V8 heap flags the run had (`npm run bench` passes those `npm start` uses; its server children inherit them).
  nodeFlags: HEAP_FLAGS,
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  quick,
  seconds: Math.round((Date.now() - started) / 1000),
  note: `Each figure is the median of its rounds (${PEER_ROUNDS} for enqueue, drain and latency, ${ROUNDS} for the others), all subjects measured in one run on this machine; a ratio of ours to a peer is the median of the ratios of the same round.`,
  subjects: {
    ...Object.fromEntries([quoteQueue, rawSqlite, plainjob, bullmq].map((s) => [s.name, s.note])),
    'bare-yoga':
      'graphql-submit only: graphql-yoga on node:http, one mutation inserting one row (better-sqlite3, WAL, synchronous=NORMAL), in its own process',
    'bare-yoga-uncapped':
      "graphql-submit only: bare-yoga without yoga's request-body cap (maxRequestBodySize: false), the ceiling with no body cap at all",
  },
  servers:
    'graphql-submit and subscriptions: each server runs in its own child process (bench/servers/); autocannon and the subscribers (lean graphql-transport-ws clients, and graphql-ws client library ones) run in the bench process. quote-queue there is the real service (startRuntime + createServer, WORKER_CONCURRENCY=0, open mode on 127.0.0.1).',
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
  notes,
};
writeFileSync(values.out!, `${JSON.stringify(results, null, 2)}\n`);
if (figures.some((f) => !ownTable(f.workload))) console.log(table());
if (figures.some((f) => f.workload === ANATOMY)) console.log(`\n${anatomyTable()}`);
if (figures.some((f) => SERVER_WORKLOADS.has(f.workload))) console.log(`\n${serverTable()}`);
for (const note of notes) console.log(note);
console.log(
  `\n${quick ? 'quick run' : 'full run'} in ${results.seconds} s on ${results.cores} cores (${results.cpu}), Node ${results.node}${results.nodeFlags.length > 0 ? ` ${results.nodeFlags.join(' ')}` : ''}; written to ${values.out}`,
);

/** Rows of workload and metric; a column per subject, then ours / each peer. */
function table(): string {
  const names = [quoteQueue, rawSqlite, plainjob, bullmq].map((s) => s.name);
  const peers = names.slice(1);
  const keys = [
    ...new Set(figures.filter((f) => !ownTable(f.workload)).map((f) => `${f.workload}\u0000${f.metric}`)),
  ];
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
      if (!ours || !p || ours.unit === 'x') return '-';
      const r = pairedRatio(ours.rounds, p.rounds);
      return r === null ? '-' : `${round(r, 2)}x`;
    };
    lines.push(
      `| ${workload} | ${metric} | ${names.map(cell).join(' | ')} | ${peers.map(ratio).join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Ours over a peer: the median of the per-round ratios (both measured in the same round, minutes apart at most),
 * so that a slow spell of the machine weighs on both sides of a ratio rather than on one subject's median.
 */
function pairedRatio(ours: number[], peer: number[]): number | null {
  const ratios = ours.flatMap((x, i) => (peer[i]! > 0 ? [x / peer[i]!] : []));
  return ratios.length === ours.length && ratios.length > 0 ? median(ratios) : null;
}

/** The drain's anatomy: one row per figure (rates are medians of the rounds; the breakdowns one timed drain). */
function anatomyTable(): string {
  const lines = ['| drain anatomy | subject | value |', '| --- | --- | ---: |'];
  for (const f of figures.filter((x) => x.workload === ANATOMY)) {
    lines.push(`| ${f.metric} | ${f.subject} | ${f.value.toLocaleString('en-US')} ${f.unit} |`);
  }
  return lines.join('\n');
}

/** Workloads 5 and 6: ours, the bare yoga + SQLite server where it applies, and ours / bare per round. */
function serverTable(): string {
  const columns = [
    'quote-queue',
    'bare-yoga',
    'bare-yoga-uncapped',
    'ours / bare-yoga',
    'ours / bare-yoga-uncapped',
  ];
  const lines = [
    `| workload | figure | ${columns.join(' | ')} |`,
    `| --- | --- | ${columns.map(() => '---:').join(' | ')} |`,
  ];
  const server = figures.filter((f) => SERVER_WORKLOADS.has(f.workload));
  for (const key of [...new Set(server.map((f) => `${f.workload}\u0000${f.metric}`))]) {
    const [workload, metric] = key.split('\u0000') as [string, string];
    const cell = (subject: string) => {
      const f = server.find((x) => x.workload === workload && x.metric === metric && x.subject === subject);
      return f ? `${f.value.toLocaleString('en-US')} ${f.unit}` : '';
    };
    lines.push(`| ${workload} | ${metric} | ${columns.map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}
