// An outside writer holding the write lock past the 5 s busy timeout (a child process in BEGIN IMMEDIATE):
// the submission caught behind it gets STORAGE_UNAVAILABLE, /ready answers 503 at once (from its cache, not
// by waiting on the lock itself), and once the lock is released the service takes work by itself.
import Database from 'better-sqlite3';
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

  it('keeps answering other requests while a submission waits for the lock (an API process with no worker)', async () => {
    // The holder is a connection in this very process: SQLite's sleeping wait would stop this test too, and the
    // submission would fail after the busy timeout instead of committing once the test releases the lock.
    const holder = new Database(t.dbPath);
    holder.exec('BEGIN IMMEDIATE');
    let submitted = false;
    const waiting = t.submit(999).then((res) => {
      submitted = true;
      return res;
    });
    for (let n = 0; n < 20; n++) expect((await fetch(`${t.base}/health`)).status).toBe(200);
    expect(submitted).toBe(false);
    holder.exec('COMMIT');
    holder.close();
    const res = await waiting;
    expect(res.errors).toBeUndefined();
    const check = new Database(t.dbPath, { readonly: true });
    const row = check
      .prepare('SELECT payload FROM messages WHERE id = ?')
      .get(res.data!.submitQuote.messageId);
    check.close();
    expect(JSON.parse((row as { payload: string }).payload)).toMatchObject({
      applicantName: 'Applicant 999',
    });
  });
});
