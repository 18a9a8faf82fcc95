// The disk filling up (a size-capped SQLite file, SQLITE_MAX_PAGES): submissions are refused with
// STORAGE_UNAVAILABLE and change nothing, /ready is 503, and once there is room again the service takes
// work by itself, with everything accepted before still there and the file intact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectIntact,
  type FaultServer,
  readyBecomes,
  startFaultServer,
  submitUntilRefused,
} from './fault-server.js';

let t: FaultServer;
beforeAll(async () => {
  // The schema alone takes ~25 pages; 60 leaves room for a few dozen messages.
  t = await startFaultServer({ SQLITE_MAX_PAGES: '60' }, { readyHoldMs: 300 });
});
afterAll(() => t.stop());

describe('disk full', () => {
  it('refuses with STORAGE_UNAVAILABLE, answers /ready 503, and recovers when room is made', async () => {
    expect((await t.ready()).status).toBe(200);
    const { accepted, refusal } = await submitUntilRefused(t, 5000);
    expect(accepted.length).toBeGreaterThan(5);
    expect(refusal.errors?.[0]?.extensions?.code).toBe('STORAGE_UNAVAILABLE');
    expect(refusal.errors?.[0]?.message).toMatch(/full/);
    const ready = await t.ready();
    expect(ready).toMatchObject({ status: 503, body: { status: 'storage-unavailable' } });
    expect(ready.body.reason).toMatch(/full/);
    // Still full: every further attempt is refused the same way and the service keeps answering.
    for (let i = 0; i < 5; i++) {
      expect((await t.submit(accepted.length)).errors?.[0]?.extensions?.code).toBe('STORAGE_UNAVAILABLE');
    }
    expectIntact(t, accepted);

    // The operator makes room (here: lifts the cap); no restart, no client write needed for /ready.
    t.db.pragma('max_page_count = 1000000');
    await readyBecomes(t, 200);
    for (let i = 0; i < 3; i++) {
      const res = await t.submit(accepted.length);
      expect(res.errors).toBeUndefined();
      accepted.push(res.data!.submitQuote.messageId);
    }
    expectIntact(t, accepted);
  });
});
