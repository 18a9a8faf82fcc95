// The JIT warm-up (WARM_UP_MS) as a real process: /ready is 503 `warming-up` while a scratch copy takes traffic,
// then 200; the scratch database is gone afterwards, also after a SIGTERM mid-warm-up; nothing of it reaches the
// real database or the log.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, spawnTs } from '../helpers/child.js';
import { tempDatabase } from '../helpers/databases.js';
import { ENGINES, PG_URL } from '../helpers/postgres.js';

const BASE_ENV = {
  PORT: '0',
  LOG_LEVEL: 'info',
  API_KEYS: '',
  WORKER_CONCURRENCY: '2',
  DATABASE_POOL_SIZE: '2',
};

/** Resolves once the child's output matches `pattern` (it may already). */
function outputMatches(child: Child, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pattern.test(child.output())) {
        child.proc.stdout!.off('data', check);
        resolve();
      }
    };
    child.proc.stdout!.on('data', check);
    void child.exited.then(() => reject(new Error(`exited before ${pattern}:\n${child.output()}`)));
    check();
  });
}

async function ready(url: string): Promise<{ status: number; body: { status: string } }> {
  const res = await fetch(url.replace('/graphql', '/ready'));
  return { status: res.status, body: (await res.json()) as { status: string } };
}

describe.each(ENGINES)('the JIT warm-up on %s', (engine) => {
  let database: { url: string; cleanup(): Promise<void> };
  // The scratch SQLite file goes to the child's TMPDIR: this folder, empty again afterwards.
  const temp = mkdtempSync(join(tmpdir(), 'warm-up-test-'));
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
  beforeAll(async () => {
    database = await tempDatabase(engine);
  });
  afterAll(async () => {
    await database.cleanup();
    await admin.end({ timeout: 1 });
    rmSync(temp, { recursive: true, force: true });
  });

  /** What is left of a process's scratch databases: files in TMPDIR, or its warm_up_<pid>_ schemas. */
  async function scratchLeft(pid: number): Promise<string[]> {
    if (engine === 'SQLite')
      return readdirSync(temp).filter((name) => name.startsWith('quote-queue-warm-up-'));
    const rows = await admin<{ name: string }[]>`SELECT schema_name AS name FROM information_schema.schemata
      WHERE schema_name LIKE ${`warm\\_up\\_${pid}\\_%`}`;
    return rows.map((r) => r.name);
  }

  const start = (warmUpMs: number) =>
    spawnTs(
      'src/main.ts',
      { ...BASE_ENV, DATABASE_URL: database.url, TMPDIR: temp, WARM_UP_MS: String(warmUpMs) },
      /listening on (\S+)/,
    );

  it('answers /ready 503 warming-up, then 200; removes the scratch database; the real one and the log stay clean', async () => {
    const child = await start(2000);
    const url = /listening on (\S+)/.exec(child.output())![1]!;
    try {
      expect(await ready(url)).toEqual({ status: 503, body: { status: 'warming-up' } });
      await outputMatches(child, /warm-up done: ready/);
      expect((await ready(url)).status).toBe(200);
      // It did send traffic through the scratch copy, and its worker ran attempts there...
      const done = child
        .output()
        .split('\n')
        .find((line) => line.includes('warm-up done'))!;
      expect((JSON.parse(done) as { requests: number }).requests).toBeGreaterThan(0);
      expect(await scratchLeft(child.proc.pid!)).toEqual([]);
      // ...none of which reached the real database or this process's log (an attempt there logs a line).
      const stats = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: '{ queueStats { pendingCount processingCount completedCount failedCount } }',
        }),
      });
      expect(
        ((await stats.json()) as { data: { queueStats: Record<string, number> } }).data.queueStats,
      ).toEqual({
        pendingCount: 0,
        processingCount: 0,
        completedCount: 0,
        failedCount: 0,
      });
      expect(child.output()).not.toContain('attempt ended');
      expect(child.output()).not.toMatch(/"level":(40|50)/);
    } finally {
      child.proc.kill('SIGTERM');
      expect(await child.exited).toBe(0);
    }
  });

  it('stops on SIGTERM mid-warm-up: exits 0 and leaves no scratch database', async () => {
    const child = await start(60_000);
    const url = /listening on (\S+)/.exec(child.output())![1]!;
    expect((await ready(url)).body.status).toBe('warming-up');
    // Stopped once the scratch copy exists and takes traffic.
    await outputMatches(child, /"msg":"warming up"/);
    const pid = child.proc.pid!;
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.output()).not.toContain('warm-up failed');
    expect(await scratchLeft(pid)).toEqual([]);
  });
});
