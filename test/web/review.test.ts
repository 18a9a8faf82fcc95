// Review console and dashboard in a real browser, with API keys: a submitter's referred quote reaches a
// reviewer's console, the reviewer's answer reaches the submitter's card live, and the queue figures move.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import { SUBMISSION, SUBMIT } from '../helpers/server.js';
import { cardOf, describeBrowser, fillQuote, openPage, startWeb, type WebFixture } from './browser.js';

const KEYS = { submitter: 'sub-key-1', reviewer: 'rev-key-1', admin: 'adm-key-1' };
async function useKey(page: Page, key: string): Promise<void> {
  await page.getByRole('textbox', { name: 'API key' }).fill(key);
  await page.getByRole('button', { name: 'Use key' }).click();
  await page.locator('.connection[data-mode="ws"]').waitFor();
}

describe.each(ENGINES)('review and dashboard on %s', (engine) => {
  let web: WebFixture;

  beforeAll(async () => {
    web = await startWeb(
      {
        API_KEYS: `${KEYS.submitter}:submitter:alice,${KEYS.reviewer}:reviewer:rita,${KEYS.admin}:admin:ops`,
        PROCESSING_DELAY_MS: '300',
      },
      engine,
    );
  }, 60_000);
  afterAll(async () => {
    await web?.stop();
  });

  describeBrowser('a referred quote', () => {
    it('appears in the review console, and approving it updates the message view live', async () => {
      const submitter = await openPage(web);
      await useKey(submitter.page, KEYS.submitter);
      await fillQuote(submitter.page, {
        name: 'Rex Referred',
        address: '77 Harbor Rd, Boston, MA 02110',
        coverage: '2,000,000',
      });
      await submitter.page.getByRole('button', { name: 'Queue quote' }).click();
      const card = cardOf(submitter.page, 'Rex Referred');
      await card.locator('[data-review="PENDING"]').waitFor({ timeout: 15_000 });
      expect(await card.getAttribute('data-status')).toBe('COMPLETED');
      await expect(card.locator('[data-decision]').getAttribute('data-decision')).resolves.toBe('REFERRED');

      const reviewer = await openPage(web, '/#review');
      await useKey(reviewer.page, KEYS.reviewer);
      const item = reviewer.page.getByRole('article', { name: 'Review of Rex Referred' });
      await item.waitFor({ timeout: 15_000 });
      await item.getByLabel(/Notes/).fill('Checked the survey; fine to bind.');
      await item.getByRole('button', { name: 'Approve' }).click();
      await item.waitFor({ state: 'detached', timeout: 15_000 });

      await card.locator('[data-review="APPROVED"]').waitFor({ timeout: 15_000 });
      await expect(card.locator('.review-box').textContent()).resolves.toContain('by rita');
      await expect(card.locator('.review-box').textContent()).resolves.toContain(
        'Checked the survey; fine to bind.',
      );
      expect(submitter.errors).toEqual([]);
      await submitter.context.close();
      await reviewer.context.close();
    });
  });

  describeBrowser('the dashboard', () => {
    it('moves its counts live as messages are submitted and completed elsewhere', async () => {
      const { page, context } = await openPage(web, '/#queue');
      await useKey(page, KEYS.admin);
      const completed = page.locator('[data-stat="completed"] .tile-value');
      await completed.waitFor();
      const before = Number((await completed.textContent())?.replace(/,/g, ''));
      for (let i = 0; i < 3; i++) {
        const res = await web.server.gql(
          SUBMIT,
          { input: { submission: { ...SUBMISSION, applicantName: `Dash ${i}` } } },
          KEYS.submitter,
        );
        expect(res.errors).toBeUndefined();
      }
      await expect
        .poll(async () => Number((await completed.textContent())?.replace(/,/g, '')), { timeout: 15_000 })
        .toBe(before + 3);
      // The list follows too, with the new messages in it.
      await page.locator('[data-table="messages"] tr', { hasText: 'Dash 2' }).waitFor({ timeout: 10_000 });
      await context.close();
    });
  });

  describeBrowser('errors in words', () => {
    it('a page without a key is told to enter one; a submitter pausing the worker is told it may not', async () => {
      const { page, context } = await openPage(web, '/#queue');
      const alert = page.getByRole('alert');
      await alert.filter({ hasText: 'needs a valid API key' }).first().waitFor({ timeout: 15_000 });
      expect(await alert.first().getAttribute('data-error-code')).toBe('UNAUTHENTICATED');
      await useKey(page, KEYS.submitter);
      await expect.poll(() => alert.count()).toBe(0);
      await page.getByRole('button', { name: 'Pause workers' }).click();
      await alert.filter({ hasText: 'role does not allow' }).first().waitFor({ timeout: 15_000 });
      expect(await alert.first().getAttribute('data-error-code')).toBe('FORBIDDEN');
      await context.close();
    });
  });
});
