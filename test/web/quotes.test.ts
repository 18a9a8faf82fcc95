// The quote form and live message cards in a real browser against the real service: async submissions
// go live to COMPLETED without reload or polling, sync runs show their result, many cards share one socket.
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import { cardOf, describeBrowser, fillQuote, openPage, startWeb, type WebFixture } from './browser.js';

describe.each(ENGINES)('the quote page on %s', (engine) => {
  let web: WebFixture;

  beforeAll(async () => {
    web = await startWeb({ PROCESSING_DELAY_MS: '600', WORKER_CONCURRENCY: '4' }, engine);
  }, 60_000);
  afterAll(async () => {
    await web?.stop();
  });

  /** Counts GraphQL HTTP requests by operation name (subscriptions over WebSocket are not requests). */
  function countOperations(page: Page): Map<string, number> {
    const counts = new Map<string, number>();
    page.on('request', (request: Request) => {
      const name =
        /"operationName":"(\w+)"/.exec(request.postData() ?? '')?.[1] ??
        /query\s+(\w+)/.exec(request.postData() ?? '')?.[1];
      if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
    });
    return counts;
  }

  describeBrowser('an async submission', () => {
    it('goes live from pending to COMPLETED on screen, without reload or polling', async () => {
      const { page, context, errors } = await openPage(web);
      const operations = countOperations(page);
      await page.evaluate(() => {
        (window as unknown as { marker: number }).marker = 42;
      });
      await fillQuote(page, {
        name: 'Ada Async',
        address: '1 Ocean Dr, Miami, FL 33139',
        coverage: '350,000',
      });
      await page.getByLabel('Year built').fill('1975');
      await page.getByLabel(/Agentic workflow/).check();
      await page.getByRole('button', { name: 'Queue quote' }).click();

      const card = cardOf(page, 'Ada Async');
      await expect.poll(() => card.getAttribute('data-status')).toMatch(/PENDING|PROCESSING/);
      await card.locator('[data-status="COMPLETED"]').first().waitFor({ timeout: 15_000 });
      await expect(card.locator('[data-premium]').textContent()).resolves.toMatch(/\$[\d,]+\.\d\d a year/);
      await expect(card.locator('[data-step-status="DONE"]').count()).resolves.toBe(5);
      await expect(
        card.getByRole('table', { name: 'How the premium is built' }).getByText('Region'),
      ).toBeDefined();
      await expect(card.locator('.timeline [data-kind="completed"]').count()).resolves.toBe(1);

      expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
      expect(operations.get('PollMessage') ?? 0).toBe(0);
      expect(await page.locator('.connection').getAttribute('data-mode')).toBe('ws');
      expect(errors).toEqual([]);
      await context.close();
    });

    it('is checked before sending: every wrong field says what is wrong, next to it', async () => {
      const { page, context } = await openPage(web);
      const operations = countOperations(page);
      await page.getByLabel('Coverage (USD)').fill('60,000,000');
      await page.getByLabel('Year built').fill('1700');
      await page.getByRole('button', { name: 'Queue quote' }).click();
      const name = page.getByLabel('Applicant name');
      await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
      await expect(page.locator('.field-error').allTextContents()).resolves.toEqual([
        'Applicant name is required; must be 1 to 200 characters after trimming',
        'Address is required; must be 1 to 500 characters after trimming',
        'Coverage (USD) must be a whole number of US dollars from 1 to 50000000',
        'Year built must be a whole year from 1800 to the current year',
      ]);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('applicantName');
      expect(operations.get('SubmitQuote') ?? 0).toBe(0);
      await context.close();
    });
  });

  describeBrowser('a sync run', () => {
    it('shows its result as soon as the request returns', async () => {
      const { page, context } = await openPage(web);
      await page.getByText('Sync (run now)').click();
      await fillQuote(page, {
        name: 'Sam Sync',
        address: '500 Lake Shore Dr, Chicago, IL 60611',
        coverage: '400000',
      });
      await page.getByLabel('Deductible (USD)').fill('2500');
      await page.getByRole('button', { name: 'Run quote now' }).click();
      const card = cardOf(page, 'Sam Sync');
      await card.locator('[data-status="COMPLETED"]').first().waitFor({ timeout: 15_000 });
      await expect(card.locator('[data-decision]').getAttribute('data-decision')).resolves.toBe('APPROVED');
      await expect(card.locator('[data-premium]').textContent()).resolves.toMatch(/a year/);
      await context.close();
    });
  });

  describeBrowser('many live messages on one page', () => {
    it('all reach COMPLETED over one WebSocket, none dropped when others end', async () => {
      const { page, context, errors } = await openPage(web);
      let sockets = 0;
      page.on('websocket', () => {
        sockets++;
      });
      await fillQuote(page, { name: 'Batch', address: '12 Main St, Austin, TX 78701', coverage: '250000' });
      const count = 12;
      for (let i = 1; i <= count; i++) {
        await page.getByLabel('Applicant name').fill(`Batch ${i}`);
        await page.getByRole('button', { name: 'Queue quote' }).click();
        await cardOf(page, `Batch ${i}`).waitFor();
      }
      await expect
        .poll(() => page.locator('article.message[data-status="COMPLETED"]').count(), { timeout: 30_000 })
        .toBe(count);
      expect(await page.locator('.connection').getAttribute('data-mode')).toBe('ws');
      // The stats stream keeps the shared socket; a second socket would mean the first was closed under it.
      expect(sockets).toBeLessThanOrEqual(1);
      expect(errors).toEqual([]);
      await context.close();
    });
  });
});
