// An outside writer holding the write lock past the 5 s busy timeout (a child process in BEGIN IMMEDIATE):
// the submission caught behind it gets STORAGE_UNAVAILABLE, /ready answers 503 at once (from its cache, not
// by waiting on the lock itself), and once the lock is released the service takes work by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnTs } from '../helpers/child.js';
import { expectIntact, type FaultServer, readyBecomes, startFaultServer } from './fault-server.js';

let t: FaultServer;
beforeAll(async () => {
  t = await startFaultServer({}, { readyHoldMs: 300 });
});
afterAll(() => t.stop());

describe('write lock held by another process', () => {
  it('refuses with STORAGE_UNAVAILABLE while held and recovers after', async () => {
    const accepted: string[] = [];
    for (let n = 0; n < 10; n++) accepted.push((await t.submit(n)).data!.submitQuote.messageId);

    const holder = await spawnTs(
      'test/helpers/lock-holder.ts',
      { QUEUE_DB: t.dbPath, HOLD_MS: '6500' },
      'locked',
    );
    const refused = await t.submit(accepted.length);
    expect(refused.errors?.[0]?.extensions?.code).toBe('STORAGE_UNAVAILABLE');
    expect(refused.errors?.[0]?.message).toMatch(/locked/);
    const ready = await t.ready();
    expect(ready).toMatchObject({
      status: 503,
      body: { reason: 'the database is locked by another writer' },
    });
    expect(ready.ms).toBeLessThan(500);

    expect(await holder.exited).toBe(0);
    await readyBecomes(t, 200);
    const again = await t.submit(accepted.length);
    expect(again.errors).toBeUndefined();
    accepted.push(again.data!.submitQuote.messageId);
    expectIntact(t, accepted);
  });
});
