// The webhook thread's start: its entry, a bundle built once and kept while the files in it are unchanged, rebuilt
// when one changed, and the TypeScript entry when no bundle can be written or the bundle fails to start the thread,
// which still delivers; and its SQLite connection, opened without a write transaction.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openStore, openWebhookConnection } from '../../src/db/open-store.js';
import { startRuntime } from '../../src/runtime.js';
import type { ThreadDispatcher } from '../../src/webhooks/thread.js';
import { isFresh, threadEntry } from '../../src/webhooks/thread-entry.js';
import { tempDatabase } from '../helpers/databases.js';
import { startReceiver } from '../helpers/receiver.js';
import { SUBMISSION } from '../helpers/server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'thread-entry-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The bundle's header: each bundled file's path (from the project's root) and stamp. */
function headerOf(file: string): Record<string, string> {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0]!;
  return JSON.parse(first.slice(first.indexOf('{'))) as Record<string, string>;
}

describe('the webhook thread’s entry', () => {
  it('is a bundle of thread-main.ts and what it imports, built once and kept while those files are unchanged', async () => {
    const file = join(tempFolder(), 'cache', 'thread.mjs');
    const first = await threadEntry(file);
    expect(first.kind).toBe('bundle');
    expect(first.url.pathname).toBe(file);
    const inputs = Object.keys(headerOf(file));
    expect(inputs).toContain('src/webhooks/thread-main.ts');
    expect(inputs).toContain('src/webhooks/dispatcher.ts');
    // Packages are inside, but for the native driver.
    expect(inputs.some((p) => p.startsWith('node_modules/drizzle-orm/'))).toBe(true);
    expect(inputs.some((p) => p.startsWith('node_modules/better-sqlite3/'))).toBe(false);
    const built = statSync(file, { bigint: true }).mtimeNs;
    expect(await isFresh(file)).toBe(true);
    expect((await threadEntry(file)).kind).toBe('bundle');
    expect(statSync(file, { bigint: true }).mtimeNs).toBe(built);
  });

  it('is rebuilt when a file in it no longer has the stamp it was built from', async () => {
    const file = join(tempFolder(), 'thread.mjs');
    await threadEntry(file);
    const header = headerOf(file);
    const text = readFileSync(file, 'utf8');
    const stale = { ...header, 'src/webhooks/dispatcher.ts': '0:0' };
    writeFileSync(file, text.replace(JSON.stringify(header), JSON.stringify(stale)));
    expect(await isFresh(file)).toBe(false);
    expect((await threadEntry(file)).kind).toBe('bundle');
    expect(headerOf(file)).toEqual(header);
    expect(await isFresh(file)).toBe(true);
  });

  it('is the TypeScript entry, with the reason, when no bundle can be written', async () => {
    const blocker = join(tempFolder(), 'a-file');
    writeFileSync(blocker, '');
    const entry = await threadEntry(join(blocker, 'thread.mjs'));
    expect(entry.kind).toBe('source');
    expect(entry.url.pathname.endsWith('/src/webhooks/thread-main.ts')).toBe(true);
    expect(entry.error).toBeInstanceOf(Error);
    expect((await threadEntry(null)).kind).toBe('source');
  });

  it('starts the thread from source when the bundle fails to start it, reports that, and delivers', async () => {
    const file = join(tempFolder(), 'thread.mjs');
    await threadEntry(file);
    // Fresh by its header, but its code throws as the thread loads it.
    const [header] = readFileSync(file, 'utf8').split('\n', 1);
    writeFileSync(file, `${header}\nthrow new Error('broken bundle');\n`);
    expect(await isFresh(file)).toBe(true);
    const db = await tempDatabase('SQLite');
    cleanups.push(() => db.cleanup());
    const r = await startReceiver();
    cleanups.push(() => r.close());
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => errors.push(line) });
    const config = loadConfig({
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      DATABASE_URL: db.url,
      LOG_LEVEL: 'silent',
    });
    const runtime = await startRuntime({
      config,
      logger,
      feedPollMs: 20,
      workerPollMs: 20,
      webhookPollMs: 50,
      webhookBundle: file,
    });
    cleanups.push(() => runtime.stop(100));
    const actor = { id: 'admin', name: 'admin', role: 'admin' } as const;
    await runtime.webhooks.create(actor, { url: r.url, events: ['MESSAGE_COMPLETED'] });
    const id = (await runtime.service.submit(actor, { payload: SUBMISSION })).message.id;
    const [call] = await r.waitFor(1);
    expect((JSON.parse(call!.body) as { data: { message: { id: string } } }).data.message.id).toBe(id);
    expect((runtime.dispatcher as ThreadDispatcher).entry).toBe('source');
    expect(errors.some((line) => line.includes('broken bundle'))).toBe(true);
  });
});

describe('the webhook thread’s SQLite connection', () => {
  it('opens beside a writer holding the lock: the store applied the migrations, it takes no write transaction', async () => {
    const db = await tempDatabase('SQLite');
    cleanups.push(() => db.cleanup());
    const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
    const store = await openStore(config);
    cleanups.push(() => store.close());
    const writer = new Database(db.url);
    writer.exec('BEGIN IMMEDIATE');
    cleanups.push(() => {
      writer.exec('ROLLBACK');
      writer.close();
    });
    // With a write transaction of its own, this would wait out the 5 s busy timeout, then fail "database is locked".
    const connection = await openWebhookConnection(config);
    cleanups.push(() => connection.close());
    expect(await connection.webhooks.endpoints()).toEqual([]);
  });
});
