// graphile-worker on the local PostgreSQL through its own API: `addJob`, `addJobs` (WorkerUtils), and `run` with
// `concurrency`, in its default configuration (no local queue, no batched completions; LISTEN/NOTIFY for new jobs),
// in a schema of its own per run.
//
// Done is when its completion is committed, as ours is: it has no event for that (`job:success` and `job:complete`
// are emitted as it sends the completion, which it does not await), so the runner gets a pool of ours, the pool it
// would make itself (node-postgres, its maxPoolSize), whose clients report when a completion statement (a DELETE of
// the job in autocommit, node_modules/graphile-worker/dist/sql/completeJobs.js) has been answered, hence committed.
import { Logger, makeWorkerUtils, type Runner, run, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import { benchSchema, pgUrlWithUser } from '../pg.js';
import { PG_POOL } from './quote-queue-pg.js';
import type { Instance, Subject } from './subject.js';

const silent = () => () => {};

export const graphileWorker: Subject = {
  name: 'graphile-worker',
  note: `graphile-worker 0.17.3 (the newest that runs on Node 20; 0.18 needs Node 22.18), its defaults (maxPoolSize ${PG_POOL}, no local queue, unbatched completions); done = its completion committed (its DELETE of the job answered, seen on the node-postgres pool it is given), not its job:success event, which comes before`,
  async open(): Promise<Instance> {
    const schema = await benchSchema('bench_gw');
    const logger = new Logger(silent);
    const options = { connectionString: pgUrlWithUser(), schema: schema.name, maxPoolSize: PG_POOL, logger };
    let utils: WorkerUtils | undefined;
    let runner: Runner | undefined;
    let pool: pg.Pool | undefined;
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
        // Job id -> payload n, from job:success until the completion of that job is answered.
        const succeeded = new Map<string, number>();
        pool = completionPool(schema.name, (id) => {
          const n = succeeded.get(id);
          if (n === undefined) return;
          succeeded.delete(id);
          done(n);
        });
        const { connectionString: _, ...rest } = options;
        runner = await run({
          ...rest,
          pgPool: pool,
          concurrency,
          noHandleSignals: true,
          taskList: { quote: async () => {} },
        });
        runner.events.on('job:success', ({ job }) => succeeded.set(job.id, (job.payload as { n: number }).n));
      },
      async close() {
        await runner?.stop();
        await runner?.promise;
        await pool?.end();
        await u.release();
        await schema.drop();
      },
    };
  },
};

/**
 * The node-postgres pool graphile-worker would make (its connection string and maxPoolSize), with error handlers on
 * the pool and its clients as it installs them, whose clients call `completed(jobId)` for each job of a completion
 * statement once the server has answered it. Each completion is one statement in autocommit: answered is committed.
 */
function completionPool(schema: string, completed: (jobId: string) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString: pgUrlWithUser(), max: PG_POOL });
  const table = `"${schema}"._private_jobs`;
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const answer = query(...args);
      const config = args[0] as { text?: string; values?: unknown[] } | string;
      if (typeof config === 'object' && config.text?.startsWith(`delete from ${table}`)) {
        void (answer as Promise<unknown>).then(
          () => {
            const ids = config.values![0];
            for (const id of Array.isArray(ids) ? ids : [ids]) completed(String(id));
          },
          () => {},
        );
      }
      return answer;
    };
  });
  return pool;
}
