// `npm run bench [-- --quick] [-- --only ...]`: runs the workloads side by side and prints tables. A full run of
// every workload writes bench/results.json and the README's tables (bench/readme.ts); a quick or partial one
// writes bench/results.partial.json, so it never stands in for the figures the README shows.
//
// Workloads 1-3 (enqueue, drain, end-to-end latency) run for our queue and its peers in the same process,
// round-robin (subject after subject within each round, each round starting one subject later) so that a
// noisy moment hits all alike; each figure is the median of the rounds, each ratio the median of the rounds'
// ratios. Workload 4 (depth) is ours alone. Workloads 5 (GraphQL submit, bench/graphql.ts), 6 (subscriptions
// on one message, bench/subscriptions.ts) and 7 (followers, each on its own quote while the worker drains them,
// bench/followers.ts) drive the real service in a child process over HTTP and WebSocket; their figures go into
// the same `figures` and get a table of their own. `cores` (bench/cores.ts) starts `npm start`'s process itself:
// submitQuote beside a draining worker in the API process, in a child process, or none, and right after /ready.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runAnatomy } from './anatomy.js';
import { runBatch } from './batch.js';
import { runCores } from './cores.js';
import { runDepth } from './depth.js';
import { runFairness } from './fairness.js';
import type { Figure } from './figures.js';
import { runFleetDelivery, runFleetDrain, runFleetSubmit, stopQuickFleet } from './fleet.js';
import { runFollowers } from './followers.js';
import { runGraphqlSubmit } from './graphql.js';
import { postgresReachable } from './pg.js';
import { runPostgres, runPostgresService } from './postgres.js';
import { runQuotes } from './quotes.js';
import { RESULTS, writePages } from './readme.js';
import { runScheduled } from './scheduled.js';
import { HEAP_FLAGS } from './servers/child.js';
import { median, round } from './stats.js';
import { bullmq, redisReachable } from './subjects/bullmq.js';
import { graphileWorker } from './subjects/graphile-worker.js';
import { pgBoss } from './subjects/pg-boss.js';
import { plainjob } from './subjects/plainjob.js';
import { quoteQueue } from './subjects/quote-queue.js';
import { quoteQueuePg } from './subjects/quote-queue-pg.js';
import { rawSqlite } from './subjects/raw-sqlite.js';
import type { Subject } from './subjects/subject.js';
import { runSubscriptions } from './subscriptions.js';
import {
  ANATOMY,
  anatomyTable,
  CORES,
  coresTable,
  FEATURE_WORKLOADS,
  FLEET_DELIVERY,
  FLEET_DRAIN,
  FLEET_SUBMIT,
  FLEET_WORKLOADS,
  featuresTable,
  fleetTable,
  type NotMeasured,
  ownTable,
  POSTGRES,
  POSTGRES_SERVICE,
  postgresTable,
  QUEUES,
  QUOTE_WORKLOADS,
  queueTable,
  quotesTable,
  type Results,
  SERVER_WORKLOADS,
  serverTable,
  targetsTable,
} from './tables.js';
import { runUnderwriting } from './underwriting.js';
import { runWebhooks } from './webhooks.js';
import { drainRate, enqueueRate, latency } from './workloads.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    /** Default: bench/results.json for a full run of every workload (the README's), else results.partial.json. */
    out: { type: 'string' },
    /** Only these workloads, comma-separated: enqueue,drain,latency,depth,scheduled,batch,fairness,graphql,subscriptions,followers,cores,anatomy,underwriting,quotes,webhooks,postgres,postgres-service,fleet-drain,fleet-delivery,fleet-submit. */
    only: { type: 'string' },
    /** Within the postgres workload, only these of its parts, comma-separated: one,batch,drain,latency. */
    'pg-parts': { type: 'string' },
    /** Within the postgres workload, only these subjects, comma-separated (quote-queue-pg,graphile-worker,...). */
    'pg-subjects': { type: 'string' },
  },
});
const quick = values.quick ?? false;
const only = values.only ? new Set(values.only.split(',')) : null;
const wants = (w: string) => only === null || only.has(w);
/** A full run of every workload: what the README shows (bench/readme.ts). */
const complete = !quick && only === null;
const out = values.out ?? (complete ? RESULTS : new URL('./results.partial.json', import.meta.url).pathname);
/** The README shows this run: a complete one written to bench/results.json. */
const writesReadme = complete && out === RESULTS;

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

const figures: Figure[] = [];
const notMeasured: NotMeasured[] = [];
const notes: string[] = [];
const started = Date.now();

// The tables (bench/tables.ts) name their columns after these subjects, in this order.
if ([quoteQueue, rawSqlite, plainjob, bullmq].some((s, i) => s.name !== QUEUES[i]))
  throw new Error('QUEUES in bench/tables.ts must name the subjects in order');
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

if (wants('scheduled')) {
  figures.push(...(await runScheduled(quick, ROUNDS)));
  process.stderr.write('scheduled done\n');
}

if (wants('batch')) {
  figures.push(...(await runBatch(quick, ROUNDS)));
  process.stderr.write('batch done\n');
}

if (wants('fairness')) {
  figures.push(...(await runFairness(quick, ROUNDS)));
  process.stderr.write('fairness done\n');
}

if (wants('anatomy')) {
  figures.push(...(await runAnatomy(quick, ROUNDS)));
  process.stderr.write('drain anatomy done\n');
}

if (wants('underwriting')) {
  figures.push(...(await runUnderwriting(quick, ROUNDS)));
  process.stderr.write('underwriting done\n');
}
if (wants('quotes')) {
  // One round in a quick run: each drain and the end-to-end run start a service process of their own.
  figures.push(...(await runQuotes(quick, quick ? 1 : ROUNDS)));
  process.stderr.write('real quotes done\n');
}

if (wants('webhooks')) {
  // One round in a quick run: each drain starts a service process of its own.
  figures.push(...(await runWebhooks(quick, quick ? 1 : ROUNDS)));
  process.stderr.write('webhooks done\n');
}
const pgWorkloads = [POSTGRES, POSTGRES_SERVICE, FLEET_DRAIN, FLEET_DELIVERY, FLEET_SUBMIT].filter(wants);
if (pgWorkloads.length > 0 && !(await postgresReachable())) {
  if (!quick || process.env.CI === 'true')
    throw new Error(
      'The PostgreSQL workloads need PostgreSQL at BENCH_POSTGRES_URL (default postgres://127.0.0.1:5432/test)',
    );
  notes.push('PostgreSQL workloads skipped: PostgreSQL is not reachable (a quick run outside CI only).');
  for (const w of pgWorkloads)
    notMeasured.push({ workload: w, subject: '*', metric: '*', reason: 'PostgreSQL not reachable' });
} else {
  if (wants(POSTGRES))
    figures.push(
      ...(await runPostgres(quick, quick ? 1 : ROUNDS, {
        parts: values['pg-parts']?.split(','),
        subjects: values['pg-subjects']?.split(','),
      })),
    );
  // One round in a quick run: each drain and end-to-end run starts a service process of its own.
  if (wants(POSTGRES_SERVICE)) figures.push(...(await runPostgresService(quick, quick ? 1 : ROUNDS)));
  // The fleet (issue 20): API and worker processes of their own on one schema. One round in a quick run, on one
  // fleet shared by the three workloads.
  if (wants(FLEET_DRAIN)) figures.push(...(await runFleetDrain(quick, quick ? 1 : ROUNDS)));
  if (wants(FLEET_DELIVERY)) figures.push(...(await runFleetDelivery(quick, quick ? 1 : ROUNDS)));
  if (wants(FLEET_SUBMIT)) figures.push(...(await runFleetSubmit(quick, quick ? 1 : ROUNDS)));
  await stopQuickFleet();
}

if (wants('graphql')) {
  figures.push(...(await runGraphqlSubmit(quick, ROUNDS)));
  process.stderr.write('graphql-submit done\n');
}
if (wants('subscriptions')) {
  figures.push(...(await runSubscriptions(quick, ROUNDS)));
  process.stderr.write('subscriptions done\n');
}
if (wants('followers')) {
  // One round in a quick run: each round starts a service process and drains its quotes.
  figures.push(...(await runFollowers(quick, quick ? 1 : ROUNDS)));
  process.stderr.write('followers done\n');
}

if (wants(CORES)) {
  // One round in a quick run: each mode starts a service process and stores a backlog for it.
  figures.push(
    ...(await runCores({ quick, rounds: quick ? 1 : ROUNDS, log: (line) => process.stderr.write(line) })),
  );
  process.stderr.write('cores done\n');
}

const results: Results & Record<string, unknown> = {
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
    ...Object.fromEntries(
      [quoteQueue, rawSqlite, plainjob, bullmq, quoteQueuePg, graphileWorker, pgBoss].map((s) => [
        s.name,
        s.note,
      ]),
    ),
    'bare-yoga':
      'graphql-submit only: graphql-yoga on node:http, one mutation inserting one row (better-sqlite3, WAL, synchronous=NORMAL), in its own process',
    'bare-yoga-uncapped':
      "graphql-submit only: bare-yoga without yoga's request-body cap (maxRequestBodySize: false), the ceiling with no body cap at all",
  },
  coresWorkload:
    'cores: src/main.ts as npm start runs it (its Node flags, LOG_LEVEL=warn, open mode, WORKER_CONCURRENCY=4 or 0; the worker in a child at nice 10 as by default, at nice 0, or in the API process), a fresh process and SQLite file per mode and round holding a backlog of real quotes; autocannon in the bench process, 50 connections: the first 2,000 submitQuote once /ready answers 200, then submitQuote for 5 s while the worker drains.',
  servers:
    'graphql-submit and subscriptions: each server runs in its own child process (bench/servers/); autocannon and the subscribers (lean graphql-transport-ws clients, and graphql-ws client library ones) run in the bench process. quote-queue there is the real service (startRuntime + createServer, WORKER_CONCURRENCY=0, open mode on 127.0.0.1). followers: the real service with WORKER_CONCURRENCY=10 and the quote processor (bench/servers/follow-service.ts), lean subscribers in two processes of their own.',
  quotes:
    'quotes: the real service as npm start runs it (bench/servers/quote-service.ts: startRuntime + createServer, WORKER_CONCURRENCY=10, quote processor with the deterministic provider, default log level to a dropped stdout), a fresh process and database per drain and per end-to-end run; the no-op processor subject is the same process with a no-op processor. Drains: the quotes stored by the service in one transaction once it is idle, timed from their commit to the last completion, CPU of the whole child. End to end: submitQuote over HTTP (fetch) at a steady rate after a warm-up burst, each followed by its own messageStatus subscription (20 WebSockets, each subscription completed by the client at COMPLETED) until COMPLETED. underwriting: the quote processor alone in the bench process, CPU of the process per quote.',
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
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
// The pages' tables are this run's (bench/readme.ts), so their figures are never copied by hand.
if (writesReadme) writePages(results);
if (figures.some((f) => QUOTE_WORKLOADS.has(f.workload))) console.log(`${quotesTable(results)}\n`);
if (figures.some((f) => !ownTable(f.workload))) console.log(queueTable(results));
if (figures.some((f) => f.workload === ANATOMY)) console.log(`\n${anatomyTable(results)}`);
if (figures.some((f) => f.workload === POSTGRES || f.workload === POSTGRES_SERVICE))
  console.log(`\n${postgresTable(results)}`);
if (figures.some((f) => FLEET_WORKLOADS.has(f.workload))) console.log(`\n${fleetTable(results)}`);
if (figures.some((f) => SERVER_WORKLOADS.has(f.workload))) console.log(`\n${serverTable(results)}`);
if (figures.some((f) => f.workload === CORES)) console.log(`\n${coresTable(results)}`);
if (figures.some((f) => FEATURE_WORKLOADS.has(f.workload))) console.log(`\n${featuresTable(results)}`);
console.log(`\n${targetsTable(results)}`);
for (const note of notes) console.log(note);
console.log(
  `\n${quick ? 'quick run' : complete ? 'full run' : 'partial run'} in ${results.seconds} s on ${results.cores} cores (${results.cpu}), Node ${results.node}${results.nodeFlags.length > 0 ? ` ${results.nodeFlags.join(' ')}` : ''}; written to ${out}${writesReadme ? ', README.md and bench/README.md' : ''}`,
);
// The run ends by itself once every subject has closed what it opened. Should one leave something behind, name it
// rather than hang the run (the timer is unref'd: it never keeps the process alive on its own).
setTimeout(() => {
  process.stderr.write(
    `bench: still open 10 s after the run: ${process.getActiveResourcesInfo().join(', ')}\n`,
  );
  process.exit(0);
}, 10_000).unref();
