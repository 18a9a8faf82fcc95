// The service as a real process: it prints the port it bound, refuses open mode off loopback, drains on SIGTERM.
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnTs } from '../helpers/child.js';
import { tempDatabase } from '../helpers/databases.js';
import { ENGINES } from '../helpers/postgres.js';
import { tempDb } from '../helpers/sqlite.js';

const db = tempDb();
afterAll(() => db.cleanup());

const BASE_ENV = { PORT: '0', DATABASE_URL: '', LOG_LEVEL: 'warn', RETRY_BACKOFF_MS: '10', API_KEYS: '' };

describe('starting', () => {
  it('refuses open mode on a non-loopback HOST with a clear message', async () => {
    await expect(
      spawnTs('src/main.ts', { ...BASE_ENV, DATABASE_URL: db.path, HOST: '0.0.0.0' }, 'listening on'),
    ).rejects.toThrow(/exited \(1\)[\s\S]*open mode[\s\S]*API_KEYS/);
  });

  it('refuses an invalid variable naming it', async () => {
    await expect(
      spawnTs(
        'src/main.ts',
        { ...BASE_ENV, DATABASE_URL: db.path, WORKER_CONCURRENCY: 'many' },
        'listening on',
      ),
    ).rejects.toThrow(/exited \(1\)[\s\S]*WORKER_CONCURRENCY/);
  });

  it('says so while PostgreSQL cannot be reached, retrying with a growing wait, naming the host and never a password', async () => {
    // Nothing listens on port 1: refused at once. The process retries for 30 s before it gives up (the store's
    // test covers giving up); here it is stopped after its second retry line.
    const child = await spawnTs(
      'src/main.ts',
      { ...BASE_ENV, DATABASE_URL: 'postgres://quotes:s3cret-pass@127.0.0.1:1/test' },
      /cannot be reached yet[\s\S]*cannot be reached yet/,
    );
    child.proc.kill('SIGKILL');
    await child.exited;
    const retries = child
      .output()
      .split('\n')
      .filter((line) => line.includes('cannot be reached yet'))
      .map((line) => JSON.parse(line) as { reason: string; retryInMs: number });
    expect(retries[0]!.reason).toMatch(/ECONNREFUSED 127\.0\.0\.1:1/);
    expect(retries[1]!.retryInMs).toBeGreaterThan(retries[0]!.retryInMs);
    expect(child.output()).not.toContain('s3cret-pass');
  });
});

describe('a malformed API_KEYS', () => {
  it('is refused naming the entry by position, and no key reaches the output', async () => {
    const error: Error = await spawnTs(
      'src/main.ts',
      { ...BASE_ENV, DATABASE_URL: db.path, API_KEYS: 'live-key-aaaa1111:admin,live-key-bbbb2222:root' },
      'listening on',
    ).then(
      () => new Error('started'),
      (e: Error) => e,
    );
    expect(error.message).toMatch(/exited \(1\)[\s\S]*API_KEYS[\s\S]*entry 2 of 2/);
    expect(error.message).not.toMatch(/live-key|aaaa1111|bbbb2222/);
  });
});

// On PostgreSQL the process must also end its pool and its LISTEN connection to exit.
describe.each(ENGINES)('SIGTERM on %s', (engine) => {
  let database: { url: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    database = await tempDatabase(engine);
  });
  afterAll(() => database.cleanup());

  it('completes open subscriptions, drains and exits 0', async () => {
    const child = await spawnTs(
      'src/main.ts',
      { ...BASE_ENV, DATABASE_URL: database.url, DATABASE_POOL_SIZE: '2', HOST: '127.0.0.1' },
      /listening on (\S+)/,
    );
    const url = /listening on (\S+)/.exec(child.output())![1]!;
    const health = await fetch(url.replace('/graphql', '/health'));
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    let first: () => void = () => {};
    const gotFirst = new Promise<void>((r) => {
      first = r;
    });
    const ended = new Promise<string>((resolve) => {
      client.subscribe(
        { query: 'subscription { queueStats { pendingCount } }' },
        { next: () => first(), complete: () => resolve('complete'), error: () => resolve('closed') },
      );
    });
    await gotFirst;
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(['complete', 'closed']).toContain(await ended);
    await client.dispose();
  });
});
