// A CSV batch from the page in a real browser against the real service: the page says how many rows are valid and
// why the bad one is not, queues the valid ones as one batch and follows them to COMPLETED in a compact list.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, openPage, startWeb, type WebFixture } from './browser.js';

let web: WebFixture;

beforeAll(async () => {
  web = await startWeb({ WORKER_CONCURRENCY: '4' });
}, 60_000);
afterAll(async () => {
  await web?.stop();
});

describeBrowser('a CSV batch', () => {
  it('shows the valid count and why a row is invalid, queues the valid ones and follows them live', async () => {
    const rows = [
      'applicantName,address,coverageAmount,yearBuilt',
      ...Array.from(
        { length: 5 },
        (_, i) => `Batch Person ${i},"${i + 1} Main St, Austin, TX 78701",250000,1990`,
      ),
      'Bad Row,"9 Main St, Austin, TX",not-a-number,1990',
    ];
    const path = join(tmpdir(), `batch-${process.pid}.csv`);
    writeFileSync(path, `${rows.join('\n')}\n`);
    const { page, context, errors } = await openPage(web);
    const sent = page.waitForRequest((r) => (r.postData() ?? '').includes('SubmitQuotes'));
    await page.getByLabel('CSV file').setInputFiles(path);

    const summary = page.locator('[data-batch-summary]');
    await summary.waitFor();
    expect(await summary.locator('[data-valid-count]').getAttribute('data-valid-count')).toBe('5');
    expect(await summary.locator('[data-invalid-count]').getAttribute('data-invalid-count')).toBe('1');
    await expect(page.locator('.batch-invalid [data-line="7"]').textContent()).resolves.toMatch(
      /Row 7: coverageAmount: /,
    );

    await page.getByRole('button', { name: 'Queue 5 valid quotes' }).click();
    // One request for the whole batch.
    const request = await sent;
    expect(
      (JSON.parse(request.postData()!) as { variables: { input: unknown[] } }).variables.input,
    ).toHaveLength(5);
    const list = page.getByRole('region', { name: 'Sent batch' });
    await list.locator('[data-batch-sent="5"]').waitFor();
    await expect.poll(() => list.locator('li[data-status="COMPLETED"]').count(), { timeout: 20_000 }).toBe(5);
    await expect(list.getByText('Batch Person 3')).toBeDefined();
    expect(errors).toEqual([]);
    await context.close();
  });
});
