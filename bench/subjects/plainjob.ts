// plainjob (SQLite) through its own API: `add`, `addMany`, and one `defineWorker` per unit of concurrency
// (its worker runs one job at a time). It has no priorities; every workload here uses one priority anyway.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { better, defineQueue, defineWorker, type Worker } from 'plainjob';
import type { Instance, Subject } from './subject.js';

const silent = { error() {}, warn() {}, info() {}, debug() {} };

export const plainjob: Subject = {
  name: 'plainjob',
  note: 'plainjob 0.0.14 on better-sqlite3 (its pragmas: WAL, synchronous=NORMAL); concurrency n = n workers, pollIntervall 10 ms',
  async open(): Promise<Instance> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-pj-'));
    const queue = defineQueue({ connection: better(new Database(join(dir, 'pj.db'))), logger: silent });
    const workers: Worker[] = [];
    const started: Promise<void>[] = [];
    return {
      async add(payload) {
        queue.add('quote', payload);
      },
      async addBatch(payloads) {
        queue.addMany('quote', payloads);
      },
      async work(concurrency, done) {
        for (let i = 0; i < concurrency; i++) {
          const worker = defineWorker('quote', async () => {}, {
            queue,
            logger: silent,
            // Its default idle poll is 1 s; 10 ms keeps its latency figure about its engine, not its nap.
            pollIntervall: 10,
            onCompleted: (job) => done((JSON.parse(job.data) as { n: number }).n),
          });
          workers.push(worker);
          started.push(worker.start());
        }
      },
      async close() {
        await Promise.all(workers.map((w) => w.stop()));
        await Promise.all(started);
        queue.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
