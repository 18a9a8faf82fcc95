// Real processes on one database of each engine: a worker killed with SIGKILL mid-drain, and two workers side by side.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageEvent } from '../../src/queue/types.js';
import { type Child, spawnTs } from '../helpers/child.js';
import { ENGINES } from '../helpers/postgres.js';
import { startTestQueue, type TestQueue } from '../helpers/queue.js';

const CHILD = 'test/helpers/worker-child.ts';
describe.each(ENGINES)('processes on %s', (engine) => {
  let q: TestQueue;
  const children: Child[] = [];

  /** Where the child processes write what they processed (a PostgreSQL queue has no folder of its own). */
  let logDir: string;

  beforeEach(async () => {
    q = await startTestQueue(engine);
    logDir = mkdtempSync(join(tmpdir(), 'quotes-processes-'));
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await q.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  async function enqueueMany(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await q.enqueue({ maxRetries: 3 })).id);
    return ids;
  }

  function processedLog(path: string): string[][] {
    return existsSync(path)
      ? readFileSync(path, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' '))
      : [];
  }

  async function completedEvents(ids: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const id of ids) {
      const events: MessageEvent[] = await q.store.history(id, 0);
      counts.set(id, events.filter((e) => e.kind === 'completed').length);
    }
    return counts;
  }

  describe('a worker process killed with SIGKILL mid-drain', () => {
    it('loses nothing: after a restart every message completes exactly once, the interrupted ones within 15 s', async () => {
      const ids = await enqueueMany(150);
      const env = { QUEUE_DB: q.url, CONCURRENCY: '4', WORK_MS: '15' };
      const first = await spawnTs(CHILD, env);
      children.push(first);
      // Kill it once a third is done, with attempts in flight.
      let completed = 0;
      await q.waitFor((e) => e.kind === 'completed' && ++completed >= 50, 30_000);
      first.proc.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      const killedAt = Date.now();
      const stranded = (await q.store.list({ statuses: ['PROCESSING'] }, { limit: 100 })).map((m) => m.id);
      expect(stranded.length).toBeGreaterThan(0);

      // A new process with the production lease and reaper defaults picks up where the dead one stopped.
      const second = await spawnTs(CHILD, env);
      children.push(second);
      await q.waitAllFinal(ids, 60_000);

      for (const id of stranded) {
        const m = await q.store.get(id);
        expect(m?.status).toBe('COMPLETED');
        expect(m!.completedAt!.getTime() - killedAt).toBeLessThan(15_000);
        expect(m!.retryCount).toBe(1);
        expect((await q.store.attemptsOf(id)).map((a) => a.outcome)).toEqual(['LOST', 'COMPLETED']);
      }
      const counts = await completedEvents(ids);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
      const stats = await q.store.stats(new Date(), 1000);
      expect(stats).toMatchObject({
        completedCount: 150,
        pendingCount: 0,
        processingCount: 0,
        failedCount: 0,
      });
    }, 90_000);
  });

  describe('two worker processes on one file', () => {
    it('process each message exactly once while this process keeps submitting', async () => {
      const log = join(logDir, 'processed.log');
      const env = { QUEUE_DB: q.url, CONCURRENCY: '3', WORK_MS: '2', PROCESSED_LOG: log };
      children.push(await spawnTs(CHILD, env), await spawnTs(CHILD, env));
      const ids = await enqueueMany(300);
      await q.waitAllFinal(ids, 60_000);

      const lines = processedLog(log);
      const perMessage = new Map<string, number>();
      for (const [id] of lines) perMessage.set(id!, (perMessage.get(id!) ?? 0) + 1);
      expect(perMessage.size).toBe(300);
      expect([...perMessage.values()].every((n) => n === 1)).toBe(true);
      // Both processes took a share of the work.
      expect(new Set(lines.map((l) => l[2])).size).toBe(2);
      const counts = await completedEvents(ids);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
    }, 90_000);
  });
});
