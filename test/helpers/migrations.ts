// Databases at an earlier migration, for the tests that migrate old data: a copy of a migrations folder whose
// journal knows only its first migrations.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of `folder` that knows only its first `count` migrations; removed after the test. */
export function migrationsUpTo(folder: string, count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'quotes-migrations-'));
  dirs.push(dir);
  cpSync(folder, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: unknown[] };
  journal.entries = journal.entries.slice(0, count);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}
