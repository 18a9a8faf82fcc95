// `npm run screenshot`: starts the real service, fills it with a few quotes (queued, agentic, sync,
// referred, dead-lettered), and writes docs/screenshot.png: the quotes, queue and review views at desktop
// width and the quotes view on a phone, side by side.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { SUBMIT } from '../helpers/server.js';
import { cardOf, fillQuote, startWeb } from './browser.js';

const OUT = fileURLToPath(new URL('../../docs/screenshot.png', import.meta.url));

async function queue(page: Page, name: string, address: string, coverage: string, agentic = false) {
  await fillQuote(page, { name, address, coverage });
  await page.getByLabel(/Agentic workflow/).setChecked(agentic);
  await page.getByRole('button', { name: /Queue quote|Run quote now/ }).click();
  await cardOf(page, name).waitFor();
}

async function main(): Promise<void> {
  const web = await startWeb({ PROCESSING_DELAY_MS: '400', ALLOW_FAULT_INJECTION: 'true' });
  try {
    const failing = {
      applicantName: 'Faye Failing',
      address: '3 Pine St, Denver, CO 80202',
      coverageAmount: 180_000,
    };
    await web.server.gql(SUBMIT, {
      input: { submission: failing, maxRetries: 0, simulate: { failAttempts: 5 } },
    });

    const context = await web.browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    await page.goto(web.origin);
    await queue(page, 'Rex Referred', '77 Harbor Rd, Boston, MA 02110', '2,000,000');
    await page.getByText('Sync (run now)').click();
    await queue(page, 'Sam Sync', '500 Lake Shore Dr, Chicago, IL 60611', '400,000');
    await page.getByText('Async (queue)').click();
    await page.getByLabel('Year built').fill('1968');
    await page.getByLabel('Roof age (years)').fill('12');
    await queue(page, 'Ada Agentic', '1 Ocean Dr, Miami, FL 33139', '350,000', true);
    await page.locator('article.message[data-status="COMPLETED"]').nth(2).waitFor({ timeout: 20_000 });
    await page
      .locator('.timeline-box')
      .first()
      .evaluate((el) => el.removeAttribute('open'));
    await page.evaluate(() => window.scrollTo(0, 0));
    const quotes = await page.screenshot();

    await page.getByRole('tab', { name: /Queue/ }).click();
    await page.locator('.dead-list li').first().waitFor({ timeout: 20_000 });
    await page.waitForTimeout(5500); // a few chart samples
    const queueView = await page.screenshot();

    await page.getByRole('tab', { name: /Review/ }).click();
    await page.getByRole('article', { name: 'Review of Rex Referred' }).waitFor();
    await page.setViewportSize({ width: 1280, height: 560 });
    const review = await page.screenshot();

    const phone = await web.browser.newContext({
      viewport: { width: 390, height: 1000 },
      deviceScaleFactor: 1,
    });
    const phonePage = await phone.newPage();
    await phonePage.goto(web.origin);
    await fillQuote(phonePage, {
      name: 'Pia Phone',
      address: '9 Elm St, Springfield, IL 62704',
      coverage: '300000',
    });
    await phonePage.getByRole('button', { name: 'Queue quote' }).click();
    await cardOf(phonePage, 'Pia Phone')
      .locator('[data-status="COMPLETED"]')
      .first()
      .waitFor({ timeout: 20_000 });
    await phonePage.locator('#watch-title').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const phoneShot = await phonePage.screenshot();

    const img = (png: Buffer, label: string) =>
      `<figure><figcaption>${label}</figcaption><img src="data:image/png;base64,${png.toString('base64')}"></figure>`;
    const sheet = await web.browser.newPage({ viewport: { width: 1800, height: 1000 } });
    await sheet.setContent(`<!doctype html><style>
      body { margin: 0; padding: 16px; background: #cbd5e1; font: 600 20px system-ui, sans-serif; }
      .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; align-items: start; }
      .pair { display: grid; grid-template-columns: 1fr 300px; gap: 16px; align-items: start; }
      figure { margin: 0; } figcaption { margin: 0 0 6px 4px; color: #0f172a; }
      img { width: 100%; display: block; border-radius: 8px; box-shadow: 0 2px 8px rgb(0 0 0 / 0.25); }
    </style><div class="grid">${img(quotes, 'Quotes: form and live cards')}${img(queueView, 'Queue: figures, chart, lists')}<div class="pair">${img(review, 'Review console')}${img(phoneShot, 'Narrow screen')}</div></div>`);
    writeFileSync(OUT, await sheet.locator('.grid').screenshot());
    console.log(`wrote ${OUT}`);
  } finally {
    await web.stop();
  }
}

await main();
