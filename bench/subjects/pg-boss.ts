// pg-boss on the local PostgreSQL through its own API: `send`, `insert`, and `work` called once per unit of
// concurrency (its way to run jobs in parallel since v10), in a schema of its own per run.
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
    const boss = new PgBoss({ connectionString: pgUrlWithUser(), schema: schema.name, max: PG_POOL });
    boss.on('error', (error) => process.stderr.write(`pg-boss: ${error.message}\n`));
    try {
      await boss.start();
      await boss.createQueue(QUEUE);
    } catch (error) {
      await boss.stop({ graceful: false }).catch(() => {});
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
        await schema.drop();
      },
    };
  },
};
