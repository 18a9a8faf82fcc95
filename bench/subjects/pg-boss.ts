// pg-boss on the local PostgreSQL through its own API: `send`, `insert`, and `work` called once per unit of
// concurrency (its way to run jobs in parallel since v10), in a schema of its own per run.
import pg from 'pg';
import PgBoss from 'pg-boss';
import { benchSchema, pgUrlWithUser } from '../pg.js';
import { PG_POOL } from './quote-queue-pg.js';
import type { Instance, Subject } from './subject.js';

const QUEUE = 'quote';

export const pgBoss: Subject = {
  name: 'pg-boss',
  note: `pg-boss 10.4.2 (the newest that runs on Node 20; 11 and 12 need Node 22), its defaults (max ${PG_POOL} connections, maintenance on) but pollingIntervalSeconds 0.5, its minimum (its default idle poll is 2 s and it has no LISTEN); one work() per unit of concurrency, batchSize 1, each handler calling notifyWorker (its API to skip the wait) so a worker that got a job fetches again at once (its loop otherwise waits out the interval after every fetch: 20 msg/s at 10 workers); done = the handler returned (it sends the completion after, unawaited)`,
  async open(): Promise<Instance> {
    const schema = await benchSchema('bench_pgb');
    const db = ownPool();
    const boss = new PgBoss({ db, schema: schema.name });
    boss.on('error', (error) => process.stderr.write(`pg-boss: ${error.message}\n`));
    try {
      await boss.start();
      await boss.createQueue(QUEUE);
    } catch (error) {
      await boss.stop({ graceful: false }).catch(() => {});
      await db.end();
      await schema.drop();
      throw error;
    }
    return {
      async add(payload) {
        await boss.send(QUEUE, payload);
      },
      async addBatch(payloads) {
        await boss.insert(payloads.map((data) => ({ name: QUEUE, data })));
      },
      seeded: () => schema.vacuum(),
      async work(concurrency, done) {
        for (let i = 0; i < concurrency; i++) {
          let id = '';
          id = await boss.work<{ n: number }>(
            QUEUE,
            { batchSize: 1, pollingIntervalSeconds: 0.5 },
            async ([job]) => {
              done(job!.data.n);
              // Its loop waits out the polling interval after every fetch, jobs or not, unless notified.
              if (id) boss.notifyWorker(id);
            },
          );
        }
      },
      async close() {
        await boss.stop({ graceful: false, wait: true, timeout: 1000 });
        // Its stopping workers may have a fetch waiting for a connection; answered, each loop ends.
        await db.end();
        await schema.drop();
      },
    };
  },
};

/**
 * The pool pg-boss would make (node-postgres, its `max`), handed to it as its `db`, so that it is ended only once the
 * statements sent on it are answered. Its own stop ends its pool at once, and node-postgres never answers a request
 * still waiting for a connection when its pool ends (pg-pool 3.14's _pulseQueue): a worker whose fetch waited for one
 * never stops, and pg-boss's offWork then polls for its stop every second for ever (manager.js), so the process would
 * not exit.
 */
function ownPool() {
  const pool = new pg.Pool({ connectionString: pgUrlWithUser(), max: PG_POOL, application_name: 'pgboss' });
  pool.on('error', (error) => process.stderr.write(`pg-boss pool: ${error.message}\n`));
  let busy = 0;
  let idle: (() => void) | undefined;
  return {
    async executeSql(text: string, values?: unknown[]) {
      busy++;
      try {
        return await pool.query(text, values);
      } finally {
        if (--busy === 0) idle?.();
      }
    },
    /** Waits for the statements in flight (a stopped worker sends no more), then ends the pool. */
    async end() {
      if (busy > 0) await new Promise<void>((resolve) => (idle = resolve));
      await pool.end();
    },
  };
}
