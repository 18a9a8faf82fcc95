// graphile-worker on the local PostgreSQL through its own API: `addJob`, `addJobs` (WorkerUtils), and `run` with
// `concurrency`, in its default configuration (no local queue, no batched completions; LISTEN/NOTIFY for new jobs),
// in a schema of its own per run.
import { Logger, makeWorkerUtils, type Runner, run, type WorkerUtils } from 'graphile-worker';
import { benchSchema, pgUrlWithUser } from '../pg.js';
import { PG_POOL } from './quote-queue-pg.js';
import type { Instance, Subject } from './subject.js';

const silent = () => () => {};

export const graphileWorker: Subject = {
  name: 'graphile-worker',
  note: `graphile-worker 0.17.3 (the newest that runs on Node 20; 0.18 needs Node 22.18), its defaults (maxPoolSize ${PG_POOL}, no local queue, unbatched completions); done = its job:success event (emitted as it sends the completion, not after it is written)`,
  async open(): Promise<Instance> {
    const schema = await benchSchema('bench_gw');
    const logger = new Logger(silent);
    const options = { connectionString: pgUrlWithUser(), schema: schema.name, maxPoolSize: PG_POOL, logger };
    let utils: WorkerUtils | undefined;
    let runner: Runner | undefined;
    try {
      utils = await makeWorkerUtils(options);
      await utils.migrate();
    } catch (error) {
      await utils?.release();
      await schema.drop();
      throw error;
    }
    const u = utils;
    return {
      async add(payload) {
        await u.addJob('quote', payload);
      },
      async addBatch(payloads) {
        await u.addJobs(payloads.map((payload) => ({ identifier: 'quote', payload })));
      },
      seeded: () => schema.vacuum(),
      async work(concurrency, done) {
        runner = await run({
          ...options,
          concurrency,
          noHandleSignals: true,
          taskList: { quote: async () => {} },
        });
        runner.events.on('job:success', ({ job }) => done((job.payload as { n: number }).n));
      },
      async close() {
        // Its completions are written after job:success, unawaited: let the last ones land before it stops.
        if (runner) await u.withPgClient((client) => drained(client, schema.name));
        await runner?.stop();
        await runner?.promise;
        await u.release();
        await schema.drop();
      },
    };
  },
};

/** Waits (up to 10 s) until graphile-worker's jobs table is empty: every completion written. */
async function drained(
  client: { query(q: string): Promise<{ rows: { n: number }[] }> },
  schema: string,
): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await client.query(`SELECT COUNT(*)::int AS n FROM "${schema}"._private_jobs`);
    if (rows[0]!.n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
