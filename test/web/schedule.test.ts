// Scheduling a quote from the page, in a real browser against the real service: the card says it is scheduled and
// when, the queue's tiles count it, and cancelling it from the card ends it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cardOf, describeBrowser, fillQuote, openPage, startWeb, type WebFixture } from './browser.js';

let web: WebFixture;

beforeAll(async () => {
  web = await startWeb();
}, 60_000);
afterAll(async () => {
  await web?.stop();
});

/** A `datetime-local` value (local time, minutes) `ms` from now. */
function localInput(ms: number): string {
  const at = new Date(Date.now() + ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

describeBrowser('a scheduled quote', () => {
  it('is queued for later: the card shows when it runs, the queue counts it, and it can be cancelled', async () => {
    const { page, context, errors } = await openPage(web);
    await fillQuote(page, {
      name: 'Sam Scheduled',
      address: '5 Elm St, Denver, CO 80202',
      coverage: '300,000',
    });
    await page.getByText('Queue options').click();
    await page.getByLabel('Run at (optional)').fill(localInput(2 * 3_600_000));
    await page.getByRole('button', { name: 'Queue quote' }).click();

    await expect.poll(() => page.locator('.quote-form output').textContent()).toMatch(/^Scheduled for /);
    const card = cardOf(page, 'Sam Scheduled');
    await card.locator('[data-status="PENDING"]').first().waitFor();
    await expect(card.locator('[data-status="PENDING"]').first().textContent()).resolves.toContain(
      '(scheduled)',
    );
    const runAt = await card.locator('[data-scheduled]').getAttribute('data-scheduled');
    // The minute typed, in the browser's zone, is the instant stored.
    expect(Math.abs(Date.parse(runAt!) - (Date.now() + 2 * 3_600_000))).toBeLessThan(120_000);

    await page.getByRole('tab', { name: /Queue/ }).click();
    await expect.poll(() => page.locator('[data-stat="pending"]').textContent()).toMatch(/1 scheduled, next/);

    await page.getByRole('tab', { name: /Quotes/ }).click();
    await card.getByRole('button', { name: 'Cancel' }).click();
    await card.locator('[data-status="CANCELLED"]').first().waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('refuses a time more than 366 days ahead next to the field, before sending', async () => {
    const { page, context } = await openPage(web);
    await fillQuote(page, { name: 'Far Future', address: '5 Elm St, Denver, CO 80202', coverage: '300,000' });
    await page.getByText('Queue options').click();
    await page.getByLabel('Run at (optional)').fill(localInput(400 * 86_400_000));
    await page.getByRole('button', { name: 'Queue quote' }).click();
    await expect.poll(() => page.locator('[aria-invalid="true"]').first().getAttribute('name')).toBe('runAt');
    await expect(page.getByText('must be at most 366 days ahead').count()).resolves.toBe(1);
    await context.close();
  });
});
