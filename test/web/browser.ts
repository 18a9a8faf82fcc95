// Debian's Chromium driven by playwright-core (never a downloaded browser), and the page served by a
// real test server. Without /usr/bin/chromium the browser suites skip locally, and fail in CI.
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { ensureBuilt } from '../../web/build.mjs';
import type { Engine } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

export const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);

if (!available) {
  const where = process.env.CI ? 'CI: the browser tests will FAIL' : 'skipping the browser tests';
  console.warn(`${CHROMIUM} is missing (apt-get install chromium); ${where}.`);
}

/** `describe` when the browser can run, or in CI (where a missing browser must fail); else skipped. */
export const describeBrowser = available || process.env.CI ? describe : describe.skip;

export async function launchBrowser(): Promise<Browser> {
  if (!available) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface WebFixture {
  server: TestServer;
  browser: Browser;
  /** The page's address: `/` of the test server. */
  origin: string;
  stop(): Promise<void>;
}

/** Builds the page if needed, starts a real server (with `env`, on `engine`) and the browser. */
export async function startWeb(
  env: Record<string, string> = {},
  engine: Engine = 'SQLite',
): Promise<WebFixture> {
  await ensureBuilt({ quiet: true });
  const server = await startTestServer(env, { engine });
  let browser: Browser;
  try {
    browser = await launchBrowser();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    server,
    browser,
    origin: new URL('/', server.url).href,
    async stop() {
      await browser.close();
      await server.stop();
    },
  };
}

/** A fresh tab (own session storage) with page errors collected, at `path` of the server. */
export async function openPage(
  web: WebFixture,
  path = '/',
  prepare?: (context: BrowserContext) => Promise<void>,
): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const context = await web.browser.newContext({ viewport: { width: 1280, height: 900 } });
  await prepare?.(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(new URL(path, web.origin).href);
  return { page, context, errors };
}

/** Fills the required fields of the quote form. */
export async function fillQuote(page: Page, fields: { name: string; address: string; coverage: string }) {
  await page.getByLabel('Applicant name').fill(fields.name);
  await page.getByLabel('Address').fill(fields.address);
  await page.getByLabel('Coverage (USD)').fill(fields.coverage);
}

/** The live card of the message whose applicant is `name`. */
export function cardOf(page: Page, name: string) {
  return page.locator('article.message', { has: page.getByRole('heading', { name, exact: true }) });
}
