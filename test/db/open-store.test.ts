// openStore picks the engine by DATABASE_URL; the SQLite store it opens on a real file serves the queue.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf, openStore } from '../../src/db/open-store.js';
import type { QueueStore } from '../../src/queue/store.js';
import { newMessage, T0 } from '../helpers/messages.js';

const dirs: string[] = [];
const stores: QueueStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sqlite = (url: string) => ({
  DATABASE_URL: url,
  SQLITE_SYNCHRONOUS: 'NORMAL' as const,
  SQLITE_MAX_PAGES: undefined,
});

describe('the engine of a DATABASE_URL', () => {
  it('is SQLite for a path, a file: URL or :memory:, and PostgreSQL for postgres:// and postgresql://', () => {
    expect(
      ['./data/quotes.db', '/var/q.db', 'file:q.db', 'file:///tmp/q.db', ':memory:'].map(engineOf),
    ).toEqual(['sqlite', 'sqlite', 'sqlite', 'sqlite', 'sqlite']);
    expect(['postgres://127.0.0.1:5432/test', 'postgresql://u@h/db'].map(engineOf)).toEqual([
      'postgres',
      'postgres',
    ]);
  });
});

describe('openStore', () => {
  it('refuses PostgreSQL with a message naming DATABASE_URL until that engine is in', async () => {
    await expect(openStore(sqlite('postgres://127.0.0.1:5432/test'))).rejects.toThrow(
      /^DATABASE_URL: PostgreSQL/,
    );
  });

  it('opens a SQLite file by path or file: URL, migrated, and the store keeps what it is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quotes-open-'));
    dirs.push(dir);
    const path = join(dir, 'nested', 'quotes.db');
    const first = await openStore(sqlite(path));
    stores.push(first);
    const { message } = await first.enqueue(newMessage(), { maxSize: 10 }, T0);
    const again = await openStore(sqlite(pathToFileURL(path).href));
    stores.push(again);
    expect(await again.get(message.id)).toEqual(message);
  });
});
