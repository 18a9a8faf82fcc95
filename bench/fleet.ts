// The fleet on PostgreSQL (issue 20; `npm run bench -- --only fleet-drain,fleet-delivery,fleet-submit`): an
// API-only process (bench/servers/service.ts: startRuntime + createServer, WORKER_CONCURRENCY=0) and worker-only
// processes (bench/servers/follow-service.ts with BENCH_API=false: startRuntime as `npm run worker` runs it, the
// quote processor, WORKER_CONCURRENCY=10), each its own child process, on one schema of the local PostgreSQL.
// The workers are started and resumed over IPC rather than by resumeWorker, which reaches each process at its
// next heartbeat (up to a second apart) and would blur a drain of a few seconds.
//   fleet-drain: N real quotes submitted through the API (submitQuotes, 1,000 per request) while the workers are
//     paused, then drained by 1 and by 2 worker processes, side by side in each round (the order alternating), a
//     fresh schema and processes for each; messages per second from the resume to the first worker seeing the
//     last completion, and CPU per message of each kind of process: the workers, the API process (which follows
//     every change through its own feed), and the PostgreSQL backends serving them (Linux: /proc).
//   fleet-delivery: 1,000 subscribers on the API process, one WebSocket each (as browsers follow their own
//     quote), each following its own quote with messageStatus, while one worker process drains those quotes;
//     from the moment the worker published a change after its commit to the frame parsed by a subscriber process
//     (the path: NOTIFY, the API's catch-up read of the log, its fan-out). A first round warms the path.
//   fleet-submit: submitQuote over HTTP from 50 connections (bench/graphql.ts's load) to the API process with a
//     backlog of quotes, alone and while a worker process drains that backlog, alternating in each round.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import postgres from 'postgres';
import { type Figure, figureOf, figuresFrom } from './figures.js';
import { commitToDelivery, FOLLOW } from './followers.js';
import { type Load, load } from './graphql.js';
import { BENCH_PG_URL, benchSchema } from './pg.js';
import { post } from './post.js';
import { quotePayload } from './quote-payloads.js';
import { type ServerChild, startServerChild } from './servers/child.js';
import { percentile } from './stats.js';
import { CONNECTIONS } from './submit-load.js';
import { startSubscriberPool } from './subscriber-pool.js';
import { FLEET_DELIVERY, FLEET_DRAIN, FLEET_SUBMIT } from './tables.js';

/** Connections per process: a fleet on one machine shares the server's max_connections. */
const POOL = '4';
const BATCH = 1000;
const MANY = 'mutation Many($input: [SubmitQuoteInput!]!) { submitQuotes(input: $input) { messageId } }';

/** The figures' names, shared with the tables and targets (bench/tables.ts). */
export const fleetMetrics = {
  drain: (n: number, workers: number) =>
    `drain ${n.toLocaleString('en-US')} plain quotes, ${workers} worker process${workers > 1 ? 'es' : ''}, concurrency 10 each`,
  drainRatio: '2 worker processes / 1, drain, per round',
  cpu: (what: string) => `CPU per message, ${what}`,
  delivery: (n: number) =>
    `${n.toLocaleString('en-US')} subscribers on API process A, a WebSocket each, following its own quote drained by worker process B, change to delivery`,
  submit: (draining: boolean) =>
    `submitQuote over HTTP to the API process, ${CONNECTIONS} connections, ${draining ? 'a worker process draining' : 'no worker running'}`,
  submitRatio: 'submitQuote p99, worker draining / none, per round',
};

/** The processes of one fleet on a fresh schema; `stop` stops them and drops it. */
interface Fleet {
  api: ServerChild;
  workers: ServerChild[];
  schema: string;
  stop(): Promise<void>;
}

async function startFleet(workers: number): Promise<Fleet> {
  const schema = await benchSchema('bench_fleet');
  const children: ServerChild[] = [];
  try {
    const env = { BENCH_DB: schema.url, BENCH_POOL_SIZE: POOL };
    // The API process first: it creates the tables (the others would wait on the migration lock).
    const api = await startServerChild('service', env);
    children.push(api);
    const started = await Promise.all(
      Array.from({ length: workers }, () =>
        startServerChild('follow-service', { ...env, BENCH_API: 'false' }),
      ),
    );
    children.push(...started);
    return {
      api,
      workers: started,
      schema: schema.name,
      async stop() {
        await Promise.all(children.map((c) => c.stop()));
        await schema.drop();
      },
    };
  } catch (error) {
    await Promise.all(children.map((c) => c.stop()));
    await schema.drop();
    throw error;
  }
}

/** A quick run's one fleet (an API and 2 worker processes), shared by its workloads; see fleetFor. */
let quickFleet: Fleet | null = null;

/**
 * A fresh fleet with `workers` worker processes on a fresh schema, or in a quick run the one shared fleet (starting
 * processes would take longer than a quick run measures; its workloads then use its first `workers` workers, and
 * each leaves them paused). `release` stops a fresh one.
 */
async function fleetFor(
  quick: boolean,
  workers: number,
): Promise<{ fleet: Fleet; release(): Promise<void> }> {
  if (!quick) {
    const fleet = await startFleet(workers);
    return { fleet, release: () => fleet.stop() };
  }
  quickFleet ??= await startFleet(2);
  const shared = quickFleet;
  return { fleet: { ...shared, workers: shared.workers.slice(0, workers) }, release: async () => {} };
}

/** Stops a quick run's shared fleet, if one was started. */
export async function stopQuickFleet(): Promise<void> {
  await quickFleet?.stop();
  quickFleet = null;
}

/** Submits `n` real quotes through the API process, BATCH per request. */
async function submitMany(api: ServerChild, n: number): Promise<void> {
  for (let from = 0; from < n; from += BATCH) {
    const input = Array.from({ length: Math.min(BATCH, n - from) }, (_, i) => ({
      submission: quotePayload(from + i),
    }));
    const data = await post(api.url, MANY, { input });
    if ((data.submitQuotes as unknown[]).length !== input.length) throw new Error('a batch came back short');
  }
}

/** CPU time so far (µs) of the PostgreSQL backends serving `pids`' connections, by backend pid; Linux only. */
async function backendCpu(admin: postgres.Sql, pids: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const inodes = new Set<string>();
  try {
    for (const pid of pids) {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m) inodes.add(m[1]!);
        } catch {
          // Closed since the listing.
        }
      }
    }
  } catch {
    return out;
  }
  const port = Number(new URL(BENCH_PG_URL).port || 5432);
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9]!)) continue;
      const remote = Number.parseInt(f[2]!.split(':')[1]!, 16);
      if (remote === port) ports.push(Number.parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  if (ports.length === 0) return out;
  const rows = await admin<
    { pid: number }[]
  >`SELECT pid FROM pg_stat_activity WHERE client_port = ANY(${ports})`;
  for (const { pid } of rows) {
    const micros = procCpuMicros(pid);
    if (micros !== null) out.set(pid, micros);
  }
  return out;
}

/** User and system CPU of a process (µs) from /proc/PID/stat, at the kernel's 100 ticks a second; null if gone. */
function procCpuMicros(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10_000;
  } catch {
    return null;
  }
}

/** CPU the backends spent between two samples; a backend born between them counts from zero. */
function backendDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, micros] of after) sum += micros - (before.get(pid) ?? 0);
  return sum;
}

interface DrainRound {
  workers: number;
  rate: number;
  /** CPU per message, µs: all worker processes, the API process, the PostgreSQL backends serving them all. */
  workerCpu: number;
  apiCpu: number;
  dbCpu: number;
}

async function drainRound(
  n: number,
  workers: number,
  admin: postgres.Sql,
  quick: boolean,
): Promise<DrainRound> {
  const { fleet, release } = await fleetFor(quick, workers);
  try {
    await submitMany(fleet.api, n);
    // The local server runs with autovacuum off: the planner learns of the submitted rows from this.
    await admin.unsafe(`VACUUM ANALYZE "${fleet.schema}".messages`);
    const pids = [fleet.api.pid, ...fleet.workers.map((w) => w.pid)];
    const db0 = await backendCpu(admin, pids);
    const cpu0 = await Promise.all([fleet.api, ...fleet.workers].map((c) => c.cpuMicros()));
    const t0 = performance.now();
    // Each worker answers once it has seen all n completed (its own at once, the others' through its feed).
    const drained = fleet.workers.map((w) => w.followGo(n));
    const seconds = await Promise.race(drained).then(() => (performance.now() - t0) / 1000);
    await Promise.all(drained);
    const cpu1 = await Promise.all([fleet.api, ...fleet.workers].map((c) => c.cpuMicros()));
    const db = backendDelta(db0, await backendCpu(admin, pids));
    const used = cpu1.map((c, i) => c - cpu0[i]!);
    const round: DrainRound = {
      workers,
      rate: n / seconds,
      apiCpu: used[0]! / n,
      workerCpu: used.slice(1).reduce((a, b) => a + b, 0) / n,
      dbCpu: db / n,
    };
    process.stderr.write(
      `${FLEET_DRAIN}: ${workers} worker(s): ${Math.round(round.rate)} msg/s; CPU per message: workers ${round.workerCpu.toFixed(1)} µs (${used
        .slice(1)
        .map((u) => (u / n).toFixed(1))
        .join(
          ' + ',
        )}), API ${round.apiCpu.toFixed(1)} µs, PostgreSQL backends ${round.dbCpu.toFixed(1)} µs; over the drain's ${seconds.toFixed(2)} s: ${((used.reduce((a, b) => a + b, 0) + db) / 1e6 / seconds).toFixed(2)} cores busy\n`,
    );
    return round;
  } finally {
    for (const w of fleet.workers) w.workerPaused(true);
    await release();
  }
}

export async function runFleetDrain(quick: boolean, rounds: number): Promise<Figure[]> {
  const n = quick ? 500 : 10_000;
  const admin = postgres(BENCH_PG_URL, { max: 1, onnotice: () => {} });
  const per = new Map<number, DrainRound[]>([
    [1, []],
    [2, []],
  ]);
  try {
    for (let r = 0; r < rounds; r++) {
      for (const workers of r % 2 === 0 ? [1, 2] : [2, 1])
        per.get(workers)!.push(await drainRound(n, workers, admin, quick));
    }
  } finally {
    await admin.end({ timeout: 1 });
  }
  const m = fleetMetrics;
  const figures: Figure[] = [];
  for (const [workers, list] of per) {
    const subject = `${workers} worker process${workers > 1 ? 'es' : ''}`;
    const metric = m.drain(n, workers);
    const fig = figuresFrom(FLEET_DRAIN, subject, list);
    figures.push(
      fig(metric, 'msg/s', 'higher', 0, (x) => x.rate),
      fig(`${metric}, ${m.cpu('worker processes')}`, 'µs/msg', 'lower', 1, (x) => x.workerCpu),
      fig(`${metric}, ${m.cpu('API process')}`, 'µs/msg', 'lower', 1, (x) => x.apiCpu),
      fig(`${metric}, ${m.cpu('PostgreSQL backends')}`, 'µs/msg', 'lower', 1, (x) => x.dbCpu),
    );
  }
  const one = per.get(1)!;
  const two = per.get(2)!;
  figures.push(
    figureOf(
      FLEET_DRAIN,
      '2 worker processes',
      m.drainRatio,
      'x',
      'higher',
      two.map((x, i) => x.rate / one[i]!.rate),
      2,
    ),
  );
  process.stderr.write(`${FLEET_DRAIN} done\n`);
  return figures;
}

interface DeliveryRound {
  p50: number;
  p99: number;
  max: number;
  drainSeconds: number;
  clientElu: number;
}

export async function runFleetDelivery(quick: boolean, rounds: number): Promise<Figure[]> {
  const n = quick ? 200 : 1_000;
  const warm = quick ? 50 : 200;
  const { fleet, release } = await fleetFor(quick, 1);
  const pool = await startSubscriberPool(2);
  const per: DeliveryRound[] = [];
  try {
    const worker = fleet.workers[0]!;
    // Round 0 warms the path (compiled code, pooled connections); it is not counted.
    for (let r = 0; r <= rounds; r++) {
      const count = r === 0 ? warm : n;
      const ids = await worker.followSeed(count);
      const following = await pool.follow(fleet.api.wsUrl, ids, FOLLOW, 'COMPLETED', 1);
      try {
        const usage0 = await Promise.all([fleet.api.usage(), worker.usage()]);
        const { seconds, commits } = await worker.followGo();
        const usage1 = await Promise.all([fleet.api.usage(), worker.usage()]);
        const { arrivals, elu } = await following.arrived;
        const times = commitToDelivery(commits, arrivals);
        if (times.length < count)
          throw new Error(`${FLEET_DELIVERY}: ${times.length} timed values for ${count} quotes`);
        if (r === 0) continue;
        const round = {
          p50: percentile(times, 50),
          p99: percentile(times, 99),
          max: Math.max(...times),
          drainSeconds: seconds,
          clientElu: Math.max(...elu),
        };
        per.push(round);
        process.stderr.write(
          `${FLEET_DELIVERY}: p50 ${round.p50.toFixed(2)} ms, p99 ${round.p99.toFixed(2)} ms, max ${round.max.toFixed(2)} ms over ${times.length} changes; drained in ${seconds.toFixed(2)} s; busiest subscriber process ${round.clientElu.toFixed(2)} busy; ${[
            'API A',
            'worker B',
          ]
            .map((who, i) => {
              const cpu = (usage1[i]!.micros - usage0[i]!.micros) / 1000;
              const wait =
                usage1[i]!.waitMicros === null
                  ? null
                  : (usage1[i]!.waitMicros! - usage0[i]!.waitMicros!) / 1000;
              return `${who} ${cpu.toFixed(0)} ms CPU${wait === null ? '' : `, main thread waited ${wait.toFixed(0)} ms for a CPU`}`;
            })
            .join(', ')}\n`,
        );
      } finally {
        await following.close();
      }
    }
  } finally {
    fleet.workers[0]!.workerPaused(true);
    await pool.stop();
    await release();
  }
  const metric = fleetMetrics.delivery(n);
  const fig = (what: string, unit: string, pick: (r: DeliveryRound) => number) =>
    figureOf(FLEET_DELIVERY, 'quote-queue-pg', `${metric}, ${what}`, unit, 'lower', per.map(pick), 2);
  process.stderr.write(`${FLEET_DELIVERY} done\n`);
  return [
    fig('p50', 'ms', (r) => r.p50),
    fig('p99', 'ms', (r) => r.p99),
    fig('drain', 's', (r) => r.drainSeconds),
    fig("busiest subscriber process's event-loop utilisation", 'x', (r) => r.clientElu),
  ];
}

interface SubmitRound extends Load {
  /** Messages the worker completed per second during the load (0 with none running). */
  drained: number;
}

async function completedCount(api: ServerChild): Promise<number> {
  const data = await post(api.url, '{ queueStats { completedCount pendingCount } }');
  const stats = data.queueStats as { completedCount: number; pendingCount: number };
  if (stats.pendingCount === 0)
    throw new Error(`${FLEET_SUBMIT}: the backlog ran out; a larger one is needed`);
  return stats.completedCount;
}

export async function runFleetSubmit(quick: boolean, rounds: number): Promise<Figure[]> {
  const seconds = quick ? 1 : 5;
  const backlog = quick ? 2_000 : 40_000;
  const { fleet, release } = await fleetFor(quick, 1);
  const per = { alone: [] as SubmitRound[], draining: [] as SubmitRound[] };
  try {
    const { api, workers } = fleet;
    const worker = workers[0]!;
    await submitMany(api, backlog);
    await load(api, quick ? 1 : 3);
    const measure = async (draining: boolean): Promise<SubmitRound> => {
      if (draining) worker.workerPaused(false);
      try {
        const done0 = await completedCount(api);
        const t0 = performance.now();
        const l = await load(api, seconds);
        const drained = ((await completedCount(api)) - done0) / ((performance.now() - t0) / 1000);
        process.stderr.write(
          `${FLEET_SUBMIT}: ${draining ? 'worker draining' : 'no worker'}: ${Math.round(l.rate)} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms, API CPU ${Math.round(l.cpuUs)} µs/request, drained ${Math.round(drained)}/s\n`,
        );
        return { ...l, drained };
      } finally {
        if (draining) worker.workerPaused(true);
      }
    };
    for (let r = 0; r < rounds; r++) {
      for (const draining of r % 2 === 0 ? [false, true] : [true, false]) {
        per[draining ? 'draining' : 'alone'].push(await measure(draining));
      }
    }
  } finally {
    await release();
  }
  const m = fleetMetrics;
  const figures: Figure[] = [];
  for (const draining of [false, true]) {
    const list = per[draining ? 'draining' : 'alone'];
    const subject = draining ? 'API + worker process' : 'API process alone';
    const metric = m.submit(draining);
    const fig = figuresFrom(FLEET_SUBMIT, subject, list);
    figures.push(
      fig(`${metric}, p50`, 'ms', 'lower', 2, (x) => x.p50),
      fig(`${metric}, p99`, 'ms', 'lower', 2, (x) => x.p99),
      fig(`${metric}, throughput`, 'req/s', 'higher', 0, (x) => x.rate),
    );
    if (draining) figures.push(fig(`${metric}, drained`, 'msg/s', 'higher', 0, (x) => x.drained));
  }
  figures.push(
    figureOf(
      FLEET_SUBMIT,
      'API + worker process',
      m.submitRatio,
      'x',
      'lower',
      per.draining.map((x, i) => x.p99 / per.alone[i]!.p99),
      2,
    ),
  );
  process.stderr.write(`${FLEET_SUBMIT} done\n`);
  return figures;
}
