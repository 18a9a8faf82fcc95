// Transport fallback and resumption in a real browser: with WebSocket blocked the page goes live over SSE;
// with SSE blocked too it polls every 3 s; a dropped socket resumes with `afterVersion`, losing nothing.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import { cardOf, describeBrowser, fillQuote, openPage, startWeb, type WebFixture } from './browser.js';

describe.each(ENGINES)('transport fallback on %s', (engine) => {
  let web: WebFixture;

  beforeAll(async () => {
    web = await startWeb({ PROCESSING_DELAY_MS: '1500' }, engine);
  }, 60_000);
  afterAll(async () => {
    await web?.stop();
  });

  /** Every WebSocket to /graphql is refused, as by a proxy that does not pass upgrades (1006: abnormal). */
  async function blockWebSocket(context: BrowserContext): Promise<void> {
    await context.routeWebSocket(/\/graphql$/, (ws) => ws.close({ code: 1006, reason: 'blocked' }));
  }

  /** Every SSE stream fails (graphql-sse asks for `text/event-stream` only); plain GraphQL over HTTP passes. */
  async function blockSse(context: BrowserContext): Promise<void> {
    await context.route(/\/graphql$/, (route) =>
      route.request().headers().accept === 'text/event-stream' ? route.abort() : route.continue(),
    );
  }

  async function submit(page: Page, name: string): Promise<void> {
    await fillQuote(page, { name, address: '9 Elm St, Springfield, IL 62704', coverage: '300000' });
    await page.getByRole('button', { name: 'Queue quote' }).click();
  }

  describeBrowser('with WebSocket blocked', () => {
    it('goes live over SSE', async () => {
      const { page, context, errors } = await openPage(web, '/', blockWebSocket);
      await page.locator('.connection[data-mode="sse"]').waitFor({ timeout: 15_000 });
      let sseRequests = 0;
      page.on('request', (r) => {
        if (r.headers().accept === 'text/event-stream') sseRequests++;
      });
      await submit(page, 'Sue SSE');
      const card = cardOf(page, 'Sue SSE');
      await expect.poll(() => card.getAttribute('data-status')).toMatch(/PENDING|PROCESSING/);
      await card.locator('[data-status="COMPLETED"]').first().waitFor({ timeout: 15_000 });
      await expect(card.textContent()).resolves.toContain('live (SSE)');
      expect(sseRequests).toBeGreaterThan(0);
      expect(errors).toEqual([]);
      await context.close();
    });
  });

  describeBrowser('with WebSocket and SSE blocked', () => {
    it('polls every 3 s and still reaches COMPLETED', async () => {
      const { page, context } = await openPage(web, '/', async (c) => {
        await blockWebSocket(c);
        await blockSse(c);
      });
      await page.locator('.connection[data-mode="poll"]').waitFor({ timeout: 20_000 });
      await submit(page, 'Pat Poll');
      const card = cardOf(page, 'Pat Poll');
      await card.locator('[data-status="COMPLETED"]').first().waitFor({ timeout: 15_000 });
      await expect(card.textContent()).resolves.toContain('polling');
      await expect(card.locator('.timeline [data-kind="completed"]').count()).resolves.toBe(1);
      await context.close();
    });
  });

  describeBrowser('after a dropped connection', () => {
    it('resubscribes with afterVersion and misses no version', async () => {
      let pageSide: { close(options?: { code?: number; reason?: string }): Promise<void> } | null = null;
      const { page, context } = await openPage(web, '/', async (c) => {
        await c.routeWebSocket(/\/graphql$/, (ws) => {
          ws.connectToServer();
          pageSide = ws;
        });
      });
      const versions: number[] = [];
      const subscribes: { afterVersion?: number }[] = [];
      page.on('websocket', (ws) => {
        ws.on('framesent', (frame) => {
          const message = JSON.parse(String(frame.payload)) as {
            type: string;
            payload?: { operationName?: string; variables?: { afterVersion?: number } };
          };
          if (message.type === 'subscribe' && message.payload?.operationName === 'FollowMessage') {
            subscribes.push({ afterVersion: message.payload.variables?.afterVersion });
          }
        });
        ws.on('framereceived', (frame) => {
          const message = JSON.parse(String(frame.payload)) as {
            type: string;
            payload?: { data?: { messageStatus?: { version: number } } };
          };
          const version = message.payload?.data?.messageStatus?.version;
          if (message.type === 'next' && version !== undefined) versions.push(version);
        });
      });
      await page.locator('.connection[data-mode="ws"]').waitFor();
      await submit(page, 'Dora Dropped');
      const card = cardOf(page, 'Dora Dropped');
      await expect.poll(() => versions.length).toBeGreaterThan(0);
      const seenBeforeDrop = Math.max(...versions);
      await (pageSide as unknown as { close(o: { code: number }): Promise<void> }).close({ code: 1006 });

      await card.locator('[data-status="COMPLETED"]').first().waitFor({ timeout: 20_000 });
      expect(subscribes.length).toBeGreaterThanOrEqual(2);
      const resumed = subscribes.find((s) => s.afterVersion !== undefined);
      expect(resumed?.afterVersion).toBeGreaterThanOrEqual(seenBeforeDrop);
      // Every version from the first to the last arrived, none twice after resuming.
      const unique = [...new Set(versions)].sort((a, b) => a - b);
      const first = unique[0] ?? 0;
      expect(unique).toEqual(Array.from({ length: unique.length }, (_, i) => first + i));
      expect(Number(await card.getAttribute('data-version'))).toBe(unique.at(-1));
      await context.close();
    });
  });
});
