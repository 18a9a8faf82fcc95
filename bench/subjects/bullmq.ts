// BullMQ on the local Redis through its own API: `add`, `addBulk`, and a `Worker` with `concurrency`.
import { connect } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Instance, Subject } from './subject.js';

const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
let round = 0;

/** Whether Redis answers PING at 127.0.0.1:6379 within a second. */
export function redisReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(connection.port, connection.host);
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => finish(d.toString().startsWith('+PONG')));
  });
}

export const bullmq: Subject = {
  name: 'bullmq',
  note: 'BullMQ 6.7.0 on Redis 127.0.0.1:6379 (no persistence configured); jobs kept on completion (its default)',
  async open(): Promise<Instance> {
    const name = `bench-${process.pid}-${++round}`;
    const queue = new Queue(name, { connection });
    await queue.waitUntilReady();
    let worker: Worker | undefined;
    return {
      async add(payload) {
        await queue.add('quote', payload);
      },
      async addBatch(payloads) {
        await queue.addBulk(payloads.map((data) => ({ name: 'quote', data })));
      },
      async work(concurrency, done) {
        worker = new Worker(name, async () => null, { connection, concurrency });
        worker.on('completed', (job) => done((job.data as { n: number }).n));
        await worker.waitUntilReady();
      },
      async cpuElsewhereUs() {
        // The server's own account of its CPU (seconds, to the microsecond): nothing else uses Redis during a run.
        const redis = new Redis(connection);
        const info = await redis.info('cpu').finally(() => redis.disconnect());
        const seconds = (key: string) =>
          Number(new RegExp(`^${key}:([0-9.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
        return Math.round((seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6);
      },
      async close() {
        await worker?.close();
        await queue.obliterate({ force: true });
        await queue.close();
      },
    };
  },
};
