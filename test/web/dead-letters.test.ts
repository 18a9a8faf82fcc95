// The dead-letter panel in a real browser against the real service: filtered by error text, "Retry all shown"
// sends back exactly what the filter shows; then, unfiltered, all the rest.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SUBMISSION } from '../helpers/server.js';
import { describeBrowser, openPage, startWeb, type WebFixture } from './browser.js';

let web: WebFixture;

beforeAll(async () => {
  web = await startWeb({ ALLOW_FAULT_INJECTION: 'true', WORKER_CONCURRENCY: '4' });
}, 60_000);
afterAll(async () => {
  await web?.stop();
});

describeBrowser('the dead-letter panel', () => {
  it('retries all shown: first those the filter matches, then every one', async () => {
    const res = await web.server.gql(
      'mutation Many($input: [SubmitQuoteInput!]!) { submitQuotes(input: $input) { messageId } }',
      {
        input: [
          ...Array.from({ length: 3 }, (_, i) => ({
            submission: { ...SUBMISSION, applicantName: `Dead Letter ${i}` },
            maxRetries: 0,
            simulate: { failAttempts: 1 },
          })),
          { submission: { ...SUBMISSION, applicantName: 'Bad Data' }, simulate: { failPermanently: true } },
        ],
      },
    );
    expect(res.errors).toBeUndefined();
    const { page, context, errors } = await openPage(web, '/#queue');
    const panel = page.getByRole('region', { name: /Dead letters/ });
    await expect.poll(() => panel.locator('.dead-list li').count(), { timeout: 15_000 }).toBe(4);

    await panel.getByLabel('Error contains').fill('bad data');
    await expect.poll(() => panel.locator('.dead-list li').count()).toBe(1);
    await panel.getByRole('button', { name: 'Retry all shown (1)' }).click();
    await expect.poll(() => panel.locator('output').textContent()).toBe('Sent back 1.');

    await panel.getByLabel('Error contains').fill('');
    await expect.poll(() => panel.locator('.dead-list li').count()).toBe(3);
    await panel.getByRole('button', { name: 'Retry all shown (3)' }).click();
    await expect.poll(() => panel.locator('output').textContent()).toBe('Sent back 3.');
    await expect.poll(() => panel.locator('.dead-list li').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
