// A mix of real processes on one database, on each engine: an API-only process (WORKER_CONCURRENCY=0), a
// worker-only process (`npm run worker`) and a process with both (`WORKER_PROCESS=false npm start`; npm start's
// default, the worker in a child process, is tested at the end on each engine). What a subscriber on the API
// process sees is made by the others: every version in order over WebSocket and SSE, queueStats counting their
// work, and a cancel through the API aborting the attempt another process runs.
import { readdirSync } from 'node:fs';
import { getPriority, hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, tempDatabase } from '../helpers/databases.js';
import { type ApiProcess, type FleetProcess, startApi, startWorker } from '../helpers/fleet.js';
import { ENGINES } from '../helpers/postgres.js';
import {
  collectSse,
  collectWs,
  MESSAGE_STATUS,
  nextPayloads,
  type Status,
  SUBMISSION,
  SUBMIT,
  type Submitted,
  startTestServer,
} from '../helpers/server.js';

type Proc = {
  id: string;
  host: string;
  pid: number;
  api: boolean;
  concurrency: number;
  running: number;
  lastHeartbeat: string;
};
const WORKERS = 'query { workers { id host pid api concurrency running lastHeartbeat } }';
const STATUS_OF = 'query($id: ID!) { queueMessage(id: $id) { status } }';

/** Asks `ask` again every 100 ms until `done` accepts its answer (for state that changes with time: leases). */
async function until<T>(ask: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await ask();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still not there: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function expectConsecutive(versions: number[]): void {
  expect(versions).toEqual(versions.map((_, i) => versions[0]! + i));
}

describe.each(ENGINES)('a fleet of processes on one %s database', (engine: Engine) => {
  let db: { url: string; cleanup(): Promise<void> };
  let api: ApiProcess;
  let worker: FleetProcess;
  let both: ApiProcess;

  beforeAll(async () => {
    db = await tempDatabase(engine);
    const env = { DATABASE_URL: db.url };
    // The API-only process first: it creates the tables; the others then start side by side.
    api = await startApi({ ...env, WORKER_CONCURRENCY: '0' });
    [worker, both] = await Promise.all([
      startWorker({ ...env, WORKER_CONCURRENCY: '2' }),
      startApi({ ...env, WORKER_CONCURRENCY: '2', WORKER_PROCESS: 'false' }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop(), both?.stop()]);
    await db?.cleanup();
  });

  async function submit(through: ApiProcess, input: Record<string, unknown> = {}): Promise<string> {
    const res = await through.gql<Submitted>(SUBMIT, { input: { submission: SUBMISSION, ...input } });
    if (!res.data) throw new Error(JSON.stringify(res.errors));
    return res.data.submitQuote.messageId;
  }

  it('gives a subscriber on the API process every version the worker processes commit, over WebSocket and SSE', async () => {
    // The agentic workflow reports its steps: several versions made in the worker process.
    const id = await submit(api, { useAgentic: true, simulate: { processingMs: 300 } });
    const [wsValues, sseEvents] = await Promise.all([
      collectWs<Status>(api.ws(), MESSAGE_STATUS, { id, afterVersion: 0 }),
      collectSse(api.url, MESSAGE_STATUS, { id, afterVersion: 0 }),
    ]);
    const sseValues = nextPayloads<Status>(sseEvents).map((p) => p.data!);
    for (const values of [wsValues, sseValues]) {
      const versions = values.map((v) => v.messageStatus.version);
      expect(versions[0]).toBe(1);
      expectConsecutive(versions);
      expect(versions.length).toBeGreaterThan(3);
      expect(values.at(-1)!.messageStatus.status).toBe('COMPLETED');
    }
    expect(sseValues).toEqual(wsValues);
    const final = await api.gql<{ queueMessage: { version: number } }>(
      'query($id: ID!) { queueMessage(id: $id) { version } }',
      { id },
    );
    expect(wsValues.at(-1)!.messageStatus.version).toBe(final.data!.queueMessage.version);
  });

  it('counts every process’s work in queueStats on the API process', async () => {
    const client = api.ws();
    const before = await new Promise<number>((resolve, reject) => {
      const off = client.subscribe<{ queueStats: { completedCount: number } }>(
        { query: 'subscription { queueStats { completedCount } }' },
        {
          next: (v) => {
            off();
            resolve(v.data!.queueStats.completedCount);
          },
          error: reject,
          complete: () => {},
        },
      );
    });
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => submit(i % 2 ? api : both)));
    expect(new Set(ids).size).toBe(20);
    const seen = await new Promise<{ completedCount: number; pendingCount: number; processingCount: number }>(
      (resolve, reject) => {
        const off = client.subscribe<{
          queueStats: { completedCount: number; pendingCount: number; processingCount: number };
        }>(
          { query: 'subscription { queueStats { completedCount pendingCount processingCount } }' },
          {
            next: (v) => {
              const s = v.data!.queueStats;
              if (s.completedCount >= before + 20) {
                off();
                resolve(s);
              }
            },
            error: reject,
            complete: () => {},
          },
        );
      },
    );
    expect(seen).toEqual({ completedCount: before + 20, pendingCount: 0, processingCount: 0 });
    // The API-only process ran none of them.
    expect(api.logs().filter((r) => r.msg === 'attempt ended')).toEqual([]);
  });

  it('aborts an attempt running in another process when the message is cancelled through the API process', async () => {
    const id = await submit(api, { simulate: { processingMs: 60_000 } });
    let processing: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      processing = resolve;
    });
    const followed = collectWs<Status>(api.ws(), MESSAGE_STATUS, { id }, (v) => {
      if (v.messageStatus.status === 'PROCESSING') processing();
    });
    await running;
    const cancelled = await api.gql<{ cancelMessage: { status: string } }>(
      'mutation($id: ID!) { cancelMessage(id: $id) { status } }',
      { id },
    );
    expect(cancelled.data?.cancelMessage.status).toBe('CANCELLED');
    // The attempt (60 s of work) ends at once in whichever process runs it, aborted rather than finished.
    const endedLine = (r: Record<string, unknown>) => r.msg === 'attempt ended' && r.messageId === id;
    const ended = await Promise.race([worker.waitForLog(endedLine), both.waitForLog(endedLine)]);
    expect(ended.outcome).toBe('CANCELLED');
    expect(ended.durationMs as number).toBeLessThan(30_000);
    const all = await followed;
    expect(all.at(-1)!.messageStatus.status).toBe('CANCELLED');
    expectConsecutive(all.map((v) => v.messageStatus.version));
  });

  async function workers(through: ApiProcess = api): Promise<Proc[]> {
    const res = await through.gql<{ workers: Proc[] }>(WORKERS);
    if (!res.data) throw new Error(JSON.stringify(res.errors));
    return res.data.workers;
  }

  /** Resolves once the process with `pid` has written two heartbeats after this call (so it has claimed if it could). */
  async function twoBeatsOf(pid: number): Promise<void> {
    const since = Date.now();
    await until(workers, (list) => {
      const p = list.find((w) => w.pid === pid);
      return p !== undefined && new Date(p.lastHeartbeat).getTime() > since + 1000;
    });
  }

  it('lists the live processes with host, pid, concurrency and running attempts; one killed with kill -9 leaves after its lease', async () => {
    const list = await workers();
    const byPid = new Map(list.map((p) => [p.pid, p]));
    expect(byPid.get(api.child.proc.pid!)).toMatchObject({ host: hostname(), api: true, concurrency: 0 });
    expect(byPid.get(worker.child.proc.pid!)).toMatchObject({ host: hostname(), api: false, concurrency: 2 });
    expect(byPid.get(both.child.proc.pid!)).toMatchObject({ host: hostname(), api: true, concurrency: 2 });
    // A busy process reports its running attempts (once the reports of earlier tests' attempts have settled).
    await until(workers, (l) => l.every((p) => p.running === 0));
    const id = await submit(api, { simulate: { processingMs: 60_000 } });
    const busy = await until(workers, (l) => l.some((p) => p.running === 1));
    expect(busy.reduce((sum, p) => sum + p.running, 0)).toBe(1);
    expect(busy.find((p) => p.running === 1)!.concurrency).toBe(2);
    await api.gql('mutation($id: ID!) { cancelMessage(id: $id) { status } }', { id });

    const extra = await startWorker({
      DATABASE_URL: db.url,
      WORKER_CONCURRENCY: '1',
      FLEET_LEASE_SECONDS: '2',
    });
    await until(workers, (l) => l.some((p) => p.pid === extra.child.proc.pid));
    extra.child.proc.kill('SIGKILL');
    await extra.child.exited;
    const killedAt = Date.now();
    const after = await until(workers, (l) => !l.some((p) => p.pid === extra.child.proc.pid));
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(after.map((p) => p.pid).sort()).toEqual(
      [api.child.proc.pid, worker.child.proc.pid, both.child.proc.pid].sort(),
    );
  });

  it('pauses every worker of every process through one API process, keeps the pause across a restart, and resumes them all', async () => {
    const paused = await api.gql<{ pauseWorker: boolean }>('mutation { pauseWorker }');
    expect(paused.data?.pauseWorker).toBe(true);
    const id = await submit(both);
    await Promise.all([twoBeatsOf(worker.child.proc.pid!), twoBeatsOf(both.child.proc.pid!)]);
    expect(
      (await api.gql<{ queueMessage: { status: string } }>(STATUS_OF, { id })).data?.queueMessage.status,
    ).toBe('PENDING');
    const stats = await both.gql<{ queueStats: { workerPaused: boolean } }>(
      'query { queueStats { workerPaused } }',
    );
    expect(stats.data?.queueStats.workerPaused).toBe(true);

    // A worker process started while the fleet is paused takes nothing either.
    await worker.stop();
    worker = await startWorker({ DATABASE_URL: db.url, WORKER_CONCURRENCY: '2' });
    await twoBeatsOf(worker.child.proc.pid!);
    expect(
      (await api.gql<{ queueMessage: { status: string } }>(STATUS_OF, { id })).data?.queueMessage.status,
    ).toBe('PENDING');

    const followed = collectWs<Status>(api.ws(), MESSAGE_STATUS, { id });
    const resumed = await api.gql<{ resumeWorker: boolean }>('mutation { resumeWorker }');
    expect(resumed.data?.resumeWorker).toBe(false);
    const values = await followed;
    expect(values.at(-1)!.messageStatus.status).toBe('COMPLETED');
  });
});

describe('the fleet with keys', () => {
  it('lets only admins list the processes and pause or resume the workers', async () => {
    const t = await startTestServer({ API_KEYS: 'adm:admin,sub:submitter,rev:reviewer' });
    try {
      for (const key of ['sub', 'rev']) {
        for (const op of [WORKERS, 'mutation { pauseWorker }', 'mutation { resumeWorker }']) {
          const res = await t.gql(op, {}, key);
          expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        }
      }
      const res = await t.gql<{ workers: Proc[] }>(WORKERS, {}, 'adm');
      expect(res.data?.workers.map((p) => p.pid)).toEqual([process.pid]);
    } finally {
      await t.stop();
    }
  });
});

describe('npm start', () => {
  it.each(ENGINES)(
    'by default runs its worker in a niced child process on the same %s database, and stops both on SIGTERM',
    async (engine: Engine) => {
      const db = await tempDatabase(engine);
      const service = await startApi({ DATABASE_URL: db.url, WORKER_CONCURRENCY: '3' });
      try {
        const list = await until(
          async () => (await service.gql<{ workers: Proc[] }>(WORKERS)).data?.workers ?? [],
          (l) => l.length === 2,
        );
        const api = list.find((p) => p.pid === service.child.proc.pid);
        const worker = list.find((p) => p.pid !== service.child.proc.pid);
        expect(api).toMatchObject({ api: true, concurrency: 0 });
        expect(worker).toMatchObject({ api: false, concurrency: 3, host: hostname() });
        // Every thread of the child at WORKER_NICE (default 10), below the API process's priority.
        const threads = readdirSync(`/proc/${worker!.pid}/task`).map(Number);
        expect(threads.length).toBeGreaterThan(1);
        expect(threads.map((tid) => getPriority(tid))).toEqual(threads.map(() => 10));
        expect(getPriority(service.child.proc.pid!)).toBe(getPriority());
        const res = await service.gql<Submitted>(SUBMIT, { input: { submission: SUBMISSION } });
        const id = res.data!.submitQuote.messageId;
        const values = await collectWs<Status>(service.ws(), MESSAGE_STATUS, { id, afterVersion: 0 });
        expect(values.at(-1)!.messageStatus.status).toBe('COMPLETED');
        // The child's attempts are counted in the service's /metrics.
        const metricsUrl = service.url.replace(/\/graphql$/, '/metrics');
        await until(
          async () => (await fetch(metricsUrl)).text(),
          (text) => /quote_queue_attempts_total\{outcome="COMPLETED"\} 1\b/.test(text),
        );
        service.child.proc.kill('SIGTERM');
        expect(await service.child.exited).toBe(0);
        // The worker child is gone too.
        expect(() => process.kill(worker!.pid, 0)).toThrow();
      } finally {
        await service.stop();
        await db.cleanup();
      }
    },
  );

  it('with WORKER_PROCESS=false runs its worker in the API process', async () => {
    const db = await tempDatabase('SQLite');
    const service = await startApi({
      DATABASE_URL: db.url,
      WORKER_CONCURRENCY: '3',
      WORKER_PROCESS: 'false',
    });
    try {
      const res = await service.gql<Submitted>(SUBMIT, { input: { submission: SUBMISSION } });
      const id = res.data!.submitQuote.messageId;
      const values = await collectWs<Status>(service.ws(), MESSAGE_STATUS, { id, afterVersion: 0 });
      expect(values.at(-1)!.messageStatus.status).toBe('COMPLETED');
      const list = (await service.gql<{ workers: Proc[] }>(WORKERS)).data?.workers ?? [];
      expect(list).toEqual([
        expect.objectContaining({ pid: service.child.proc.pid, api: true, concurrency: 3 }),
      ]);
    } finally {
      await service.stop();
      await db.cleanup();
    }
  });
});
