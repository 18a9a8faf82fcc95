// PostgreSQL (`npm run bench -- --only postgres,postgres-service`), issue 19:
//   postgres: our queue on PostgreSQL beside graphile-worker and pg-boss (each in a schema of its own per run,
//     VACUUM ANALYZE after seeding) and beside ours on SQLite, round-robin as in bench/run.ts: enqueue one at a time
//     and in batches of 1,000, a drain of no-op messages at concurrency 10, submit to completed at 500/s.
//   postgres-service: the service as users run it (bench/servers/quote-service.ts, `npm start`'s runtime and
//     server) on PostgreSQL beside the same on SQLite: a drain of plain quotes and quotes end to end over HTTP and
//     WebSocket at 500/s (bench/quotes.ts), a fresh process and database (a file, or a schema) for each.
import { type Figure, figureOf } from './figures.js';
import {
  type Drained,
  drain,
  E2E_RATE,
  type EndToEnd,
  type Engine,
  endToEnd,
  withService,
} from './quotes.js';
import { graphileWorker } from './subjects/graphile-worker.js';
import { pgBoss } from './subjects/pg-boss.js';
import { quoteQueue } from './subjects/quote-queue.js';
import { quoteQueuePg } from './subjects/quote-queue-pg.js';
import type { Subject } from './subjects/subject.js';
import { PG_QUEUES, POSTGRES, POSTGRES_SERVICE } from './tables.js';
import { drainRate, enqueueRate, latency } from './workloads.js';

/** Subjects in the column order of the table (bench/tables.ts). */
const SUBJECTS: Subject[] = [quoteQueuePg, graphileWorker, pgBoss, quoteQueue];
if (SUBJECTS.some((s, i) => s.name !== PG_QUEUES[i]))
  throw new Error('PG_QUEUES must name the subjects in order');

export const pgMetrics = {
  one: (n: number) => `${n.toLocaleString('en-US')} one at a time, awaited`,
  batch: (n: number) => `${n.toLocaleString('en-US')} in batches of 1,000`,
  drain: (n: number) => `drain ${n.toLocaleString('en-US')} no-op, concurrency 10`,
  drainCpu: (n: number) =>
    `drain ${n.toLocaleString('en-US')} no-op, concurrency 10, CPU per message, this process`,
  latency: (n: number) => `submit to completed, ${n.toLocaleString('en-US')} at 500/s, concurrency 10`,
  serviceDrain: (n: number) =>
    `service: drain ${n.toLocaleString('en-US')} plain quotes, service process, concurrency 10`,
  serviceCpu: (n: number) =>
    `service: drain ${n.toLocaleString('en-US')} plain quotes, service process, concurrency 10, CPU per message`,
  serviceE2e: (n: number) =>
    `service: ${n.toLocaleString('en-US')} submitQuote at 500/s over HTTP, each followed over WebSocket to COMPLETED`,
};

/**
 * Workload `postgres`: the queues side by side, each round starting one subject later. `only`, for a partial run:
 * the parts to run (one, batch, drain, latency) and the subjects (by name).
 */
export async function runPostgres(
  quick: boolean,
  rounds: number,
  only: { parts?: string[]; subjects?: string[] } = {},
): Promise<Figure[]> {
  const subjects = SUBJECTS.filter((s) => only.subjects?.includes(s.name) ?? true);
  // One at a time each enqueue waits for its commit (a WAL flush on PostgreSQL): fewer, or a round takes minutes.
  const oneN = quick ? 200 : 2_000;
  const n = quick ? 500 : 20_000;
  const latencyN = quick ? 100 : 1_000;
  const m = pgMetrics;
  const tasks: { name: string; run(s: Subject): Promise<Record<string, number>> }[] = [
    { name: 'one', run: async (s) => ({ [m.one(oneN)]: await enqueueRate(s, oneN, false) }) },
    { name: 'batch', run: async (s) => ({ [m.batch(n)]: await enqueueRate(s, n, true) }) },
    {
      name: 'drain',
      run: async (s) => {
        // pg-boss drains at a few hundred a second here: minutes for 20,000 on a loaded machine.
        const d = await drainRate(s, n, 10, 600_000);
        return { [m.drain(n)]: d.rate, [m.drainCpu(n)]: d.cpuUsPerMsg };
      },
    },
    {
      name: 'latency',
      run: async (s) => {
        const l = await latency(s, latencyN, E2E_RATE, 10);
        return Object.fromEntries(
          (['p50', 'p95', 'p99'] as const).map((p) => [`${m.latency(latencyN)}, ${p}`, l[p]]),
        );
      },
    },
  ];
  const got = new Map<string, Map<string, number[]>>(); // metric -> subject -> rounds
  for (const task of tasks.filter((t) => only.parts?.includes(t.name) ?? true)) {
    for (let r = 0; r < rounds; r++) {
      for (const s of [...subjects.slice(r % subjects.length), ...subjects.slice(0, r % subjects.length)]) {
        for (const [metric, value] of Object.entries(await task.run(s))) {
          const bySubject = got.get(metric) ?? new Map<string, number[]>();
          bySubject.set(s.name, [...(bySubject.get(s.name) ?? []), value]);
          got.set(metric, bySubject);
        }
      }
    }
    process.stderr.write(`postgres: ${task.name} done\n`);
  }
  const figures: Figure[] = [];
  for (const [metric, bySubject] of got) {
    const ms = metric.includes('submit to completed');
    const cpu = metric.includes('CPU per message');
    for (const s of SUBJECTS) {
      const values = bySubject.get(s.name);
      if (!values) continue;
      figures.push(
        figureOf(
          POSTGRES,
          s.name,
          metric,
          ms ? 'ms' : cpu ? 'µs/msg' : 'msg/s',
          ms || cpu ? 'lower' : 'higher',
          values,
          ms ? 2 : cpu ? 1 : 0,
        ),
      );
    }
  }
  return figures;
}

/** Workload `postgres-service`: the service process on PostgreSQL and on SQLite, a fresh one for each run. */
export async function runPostgresService(quick: boolean, rounds: number): Promise<Figure[]> {
  const n = quick ? 500 : 20_000;
  const e2eN = quick ? 100 : 1_000;
  const warm = quick ? 50 : 500;
  const engines: Engine[] = ['postgres', 'sqlite'];
  const drains = new Map<Engine, Drained[]>(engines.map((e) => [e, []]));
  const e2e = new Map<Engine, EndToEnd[]>(engines.map((e) => [e, []]));
  for (let r = 0; r < rounds; r++) {
    for (const engine of [...engines.slice(r % 2), ...engines.slice(0, r % 2)]) {
      drains.get(engine)!.push(await drain(n, false, 'quotes', undefined, engine));
      e2e.get(engine)!.push(await withService((c) => endToEnd(c, e2eN, E2E_RATE, warm), engine));
    }
  }
  process.stderr.write('postgres-service done\n');
  const m = pgMetrics;
  const subject = (e: Engine) => (e === 'postgres' ? PG_QUEUES[0] : PG_QUEUES[3]);
  return engines.flatMap((e) => [
    figureOf(
      POSTGRES_SERVICE,
      subject(e),
      m.serviceDrain(n),
      'msg/s',
      'higher',
      drains.get(e)!.map((d) => d.rate),
      0,
    ),
    figureOf(
      POSTGRES_SERVICE,
      subject(e),
      m.serviceCpu(n),
      'µs/msg',
      'lower',
      drains.get(e)!.map((d) => d.cpuUs),
      1,
    ),
    ...(['p50', 'p99'] as const).map((p) =>
      figureOf(
        POSTGRES_SERVICE,
        subject(e),
        `${m.serviceE2e(e2eN)}, ${p}`,
        'ms',
        'lower',
        e2e.get(e)!.map((x) => x[p]),
        2,
      ),
    ),
    {
      ...figureOf(
        POSTGRES_SERVICE,
        subject(e),
        `${m.serviceE2e(e2eN)}, completed`,
        'quotes',
        'higher',
        e2e.get(e)!.map((x) => x.completed),
        0,
      ),
      value: Math.min(...e2e.get(e)!.map((x) => x.completed)),
    },
  ]);
}
