// Our queue on PostgreSQL as the service runs it: the PostgreSQL store (a schema of its own per run), event feed,
// pub-sub and a worker from src/queue with a no-op processor, every guarantee on (an event per change in the same
// transaction, the log lock, fencing, leases with heartbeats and a reaper).
import { openPostgres } from '../../src/db/postgres/open.js';
import { BENCH_PG_URL, benchSchema } from '../pg.js';
import { storeInstance } from './quote-queue.js';
import type { Instance, Subject } from './subject.js';

/** Connections in each PostgreSQL subject's pool: DATABASE_POOL_SIZE's default, graphile-worker's and pg-boss's. */
export const PG_POOL = 10;

export const quoteQueuePg: Subject = {
  name: 'quote-queue-pg',
  note: `our store on PostgreSQL (postgres.js, a pool of ${PG_POOL} and one LISTEN connection), event feed + worker from src/queue, no-op processor; done = its COMPLETED event published`,
  async open(): Promise<Instance> {
    const schema = await benchSchema('bench_qq');
    try {
      const store = await openPostgres(BENCH_PG_URL, {
        schema: schema.name,
        poolSize: PG_POOL,
        applicationName: 'bench-quote-queue',
      });
      return storeInstance(
        store,
        {},
        () => schema.drop(),
        () => schema.vacuum(),
      );
    } catch (error) {
      await schema.drop();
      throw error;
    }
  },
};
