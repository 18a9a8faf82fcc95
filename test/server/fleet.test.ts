// A mix of real processes on one database, on each engine: an API-only process (WORKER_CONCURRENCY=0), a
// worker-only process (`npm run worker`) and a process with both (`npm start`). What a subscriber on the API
// process sees is made by the others: every version in order over WebSocket and SSE, queueStats counting their
// work, and a cancel through the API aborting the attempt another process runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, tempDatabase } from '../helpers/databases.js';
import { type ApiProcess, type FleetProcess, startApi, startWorker } from '../helpers/fleet.js';
import { ENGINES } from '../helpers/postgres.js';
import {
  collectSse,
  collectWs,
  MESSAGE_STATUS,
  nextPayloads,
  SUBMISSION,
  SUBMIT,
} from '../helpers/server.js';

type Status = { messageStatus: { id: string; status: string; version: number } };
type Submitted = { submitQuote: { messageId: string } };

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
      startApi({ ...env, WORKER_CONCURRENCY: '2' }),
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
});
