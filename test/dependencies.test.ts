// Dependencies with published advisories stay at or past the fixed release, in the lock file `npm ci` installs from
// and in what is installed here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const json = (path: string) => JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'));

const atLeast = (version: string, floor: string): boolean => {
  const a = version.split('.').map(Number);
  const b = floor.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

describe('dependencies with advisories', () => {
  it('drizzle-orm is 0.45.2 or later (0.45.1 has a published advisory)', () => {
    const locked: string = json('package-lock.json').packages['node_modules/drizzle-orm'].version;
    const installed: string = json('node_modules/drizzle-orm/package.json').version;
    expect(locked, 'drizzle-orm in package-lock.json').toSatisfy((v: string) => atLeast(v, '0.45.2'));
    expect(installed, 'drizzle-orm installed').toSatisfy((v: string) => atLeast(v, '0.45.2'));
  });

  it('postgres.js 3.4.9 is patched (patches/, applied by postinstall): a write after its socket closed fails the query, never the process; a query on a connection that errored fails when it closes; BEGIN is pipelined with the statements of its transaction', () => {
    for (const build of ['src', 'cjs/src']) {
      const source = readFileSync(
        new URL(`../node_modules/postgres/${build}/connection.js`, import.meta.url),
        'utf8',
      );
      expect(source, `postgres/${build}/connection.js`).toMatch(
        /function nextWrite\(fn\) \{\n\s+if \(!socket\) \{/,
      );
      expect(source, `postgres/${build}/connection.js`).not.toContain('!hadError && (query || sent.length)');
      // A transaction's statements go out behind its BEGIN, on a connection no other query is handed meanwhile.
      const index = readFileSync(
        new URL(`../node_modules/postgres/${build}/index.js`, import.meta.url),
        'utf8',
      );
      expect(index, `postgres/${build}/index.js`).toContain(
        'onexecute: c => (onexecute(c), placed(), false)',
      );
      expect(index, `postgres/${build}/index.js`).toContain('began && await began');
    }
  });
});
