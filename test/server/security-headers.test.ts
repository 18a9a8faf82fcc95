// Security headers on every response, and Content-Security-Policies that the web page and GraphiQL really
// work under: both load in Chromium with no policy violation, GraphiQL runs a query, the page goes live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../web/build.mjs';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { describeBrowser, launchBrowser } from '../web/browser.js';

let t: TestServer;
let base: string;
beforeAll(async () => {
  await ensureBuilt();
  t = await startTestServer({ WORKER_CONCURRENCY: '0' });
  base = t.url.replace('/graphql', '');
});
afterAll(() => t.stop());

describe('security headers', () => {
  it('every response refuses framing and sniffing and sends no referrer', async () => {
    const answers = await Promise.all([
      fetch(`${base}/`),
      fetch(t.url, { headers: { accept: 'text/html' } }),
      fetch(`${base}/health`),
      fetch(`${base}/nope`),
      fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{__typename}"}',
      }),
    ]);
    for (const res of answers) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      await res.arrayBuffer();
    }
  });

  it('the web page allows only its own scripts; GraphiQL only its inline scripts, by hash; JSON nothing', async () => {
    const page = (await fetch(`${base}/`)).headers.get('content-security-policy')!;
    expect(page).toContain("script-src 'self'");
    expect(page).not.toContain('unsafe-inline');
    const graphiql = (await fetch(t.url, { headers: { accept: 'text/html' } })).headers.get(
      'content-security-policy',
    )!;
    expect(graphiql).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(graphiql).not.toMatch(/script-src[^;]*unsafe/);
    const api = (await fetch(`${base}/health`)).headers.get('content-security-policy')!;
    expect(api).toContain("default-src 'none'");
  });
});

describe('origin policy (same origin only, as the README says)', () => {
  it('grants no other origin CORS access, not even to a preflight', async () => {
    const evil = { origin: 'http://evil.example' };
    const simple = await fetch(t.url, {
      method: 'POST',
      headers: { ...evil, 'content-type': 'application/json' },
      body: '{"query":"{__typename}"}',
    });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(t.url, {
      method: 'OPTIONS',
      headers: {
        ...evil,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers')).toBeNull();
  });
});

describeBrowser('under their policies, in Chromium', () => {
  it('GraphiQL loads and runs a query, and the web page goes live, with no violation', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(t.url);
      await page.locator('.graphiql-container').first().waitFor({ timeout: 15_000 });
      await page.locator('.graphiql-execute-button').first().click();
      await page.getByText('"pendingCount"').first().waitFor({ timeout: 10_000 });

      await page.goto(`${base}/`);
      await page.locator('#root > *').first().waitFor({ timeout: 15_000 });
      // The page's live connection (WebSocket, same origin) is allowed by connect-src 'self'.
      await expect.poll(() => t.server.openSockets, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
