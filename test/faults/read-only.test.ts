// The database becoming read-only (PRAGMA query_only on the service's own connection: as root a chmod would
// not stop an open file): submissions get STORAGE_UNAVAILABLE, /ready is 503, reads go on, and when the
// file is writable again the service takes work by itself with nothing lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIntact, type FaultServer, readyBecomes, startFaultServer } from './fault-server.js';

let t: FaultServer;
beforeAll(async () => {
  t = await startFaultServer({}, { readyHoldMs: 300 });
});
afterAll(() => t.stop());

describe('read-only database', () => {
  it('refuses writes with STORAGE_UNAVAILABLE, keeps serving reads, and recovers when writable', async () => {
    const accepted: string[] = [];
    for (let n = 0; n < 10; n++) accepted.push((await t.submit(n)).data!.submitQuote.messageId);

    t.db.pragma('query_only = ON');
    const refused = await t.submit(accepted.length);
    expect(refused.errors?.[0]?.extensions?.code).toBe('STORAGE_UNAVAILABLE');
    expect(refused.errors?.[0]?.message).toMatch(/read-only/);
    expect(JSON.stringify(refused)).not.toMatch(/SQLITE|INSERT|\/tmp\//);
    const ready = await t.ready();
    expect(ready).toMatchObject({ status: 503, body: { reason: 'the database is read-only' } });
    const stats = await fetch(`${t.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ queueStats { pendingCount } }' }),
    });
    expect(await stats.json()).toEqual({ data: { queueStats: { pendingCount: 10 } } });
    expectIntact(t, accepted);

    t.db.pragma('query_only = OFF');
    const again = await t.submit(accepted.length);
    expect(again.errors).toBeUndefined();
    accepted.push(again.data!.submitQuote.messageId);
    await readyBecomes(t, 200);
    expectIntact(t, accepted);
  });
});
