// The dashboard's fleet in a real browser: the processes on the database (this test's server and a worker-only
// process beside it), and the pause button stopping the worker in the other process too.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FleetProcess, startWorker } from '../helpers/fleet.js';
import { SUBMISSION, SUBMIT } from '../helpers/server.js';
import { tempDb } from '../helpers/sqlite.js';
import { describeBrowser, openPage, startWeb, type WebFixture } from './browser.js';

const db = tempDb();
let web: WebFixture;
let worker: FleetProcess;

beforeAll(async () => {
  web = await startWeb({ DATABASE_URL: db.path, WORKER_CONCURRENCY: '1' });
  worker = await startWorker({ DATABASE_URL: db.path, WORKER_CONCURRENCY: '3' });
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await web?.stop();
  await db.cleanup();
});

type Proc = { pid: number; lastHeartbeat: string };

/** Resolves once the process `pid` has written two heartbeats after this call (so it has claimed if it could). */
async function twoBeatsOf(pid: number): Promise<void> {
  const since = Date.now();
  for (;;) {
    const res = await web.server.gql<{ workers: Proc[] }>('query { workers { pid lastHeartbeat } }');
    const p = res.data?.workers.find((w) => w.pid === pid);
    if (p && new Date(p.lastHeartbeat).getTime() > since + 1000) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeBrowser('the fleet on the dashboard', () => {
  it('lists every process, and pausing there pauses the worker of the other process until resumed', async () => {
    const { page, context, errors } = await openPage(web, '/#queue');
    const table = page.locator('[data-table="workers"]');
    const workerPid = worker.child.proc.pid!;
    const mine = table.locator(`tr[data-pid="${process.pid}"]`);
    const theirs = table.locator(`tr[data-pid="${workerPid}"]`);
    await mine.waitFor({ timeout: 15_000 });
    await theirs.waitFor({ timeout: 15_000 });
    await expect(mine.textContent()).resolves.toContain('API + worker');
    await expect(theirs.textContent()).resolves.toContain('0 of 3');
    expect(await theirs.textContent()).not.toContain('API');

    await page.getByRole('button', { name: 'Pause workers' }).click();
    await page.getByText('Workers paused').waitFor({ timeout: 10_000 });
    const res = await web.server.gql<{ submitQuote: { messageId: string } }>(SUBMIT, {
      input: { submission: SUBMISSION },
    });
    const id = res.data!.submitQuote.messageId;
    await twoBeatsOf(workerPid);
    expect((await web.server.runtime.store.get(id))?.status).toBe('PENDING');

    await page.getByRole('button', { name: 'Resume workers' }).click();
    await page.getByText('Workers running').waitFor({ timeout: 10_000 });
    await expect
      .poll(async () => (await web.server.runtime.store.get(id))?.status, { timeout: 15_000 })
      .toBe('COMPLETED');
    expect(errors).toEqual([]);
    await context.close();
  });
});
