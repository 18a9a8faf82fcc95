// GraphiQL, served at GET /graphql to a browser, still loads the schema (its own introspection passes the
// document limits and CSRF prevention) and runs a query, in real Chromium against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import { describeBrowser, openPage, startWeb, type WebFixture } from './browser.js';

describe.each(ENGINES)('GraphiQL on %s', (engine) => {
  describeBrowser('in Chromium', () => {
    let web: WebFixture;
    beforeAll(async () => {
      web = await startWeb({}, engine);
    }, 60_000);
    afterAll(() => web?.stop());

    it('introspects the schema and runs its default query', async () => {
      const { page, errors } = await openPage(web, '/graphql');
      const operations: { method: string; status: number }[] = [];
      page.on('response', (res) => {
        if (new URL(res.url()).pathname === '/graphql' && res.request().resourceType() === 'fetch') {
          operations.push({ method: res.request().method(), status: res.status() });
        }
      });
      // The default query's fields in the editor, then its answer in the response pane.
      await page.getByText('pendingCount').first().waitFor({ timeout: 20_000 });
      await page.locator('.graphiql-execute-button').click();
      await expect
        .poll(async () => (await page.locator('.graphiql-response').textContent()) ?? '', { timeout: 20_000 })
        .toMatch(/"pendingCount":\s*0/);
      expect(operations.length).toBeGreaterThanOrEqual(2);
      expect(operations.every((o) => o.status === 200)).toBe(true);
      expect(errors).toEqual([]);
    }, 60_000);
  });
});
