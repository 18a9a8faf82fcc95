// The benchmark runs once, quickly, in the test suite so that it never rots.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { spawnTs } from './helpers/child.js';
import { tempDb } from './helpers/sqlite.js';

it('npm run bench -- --quick finishes and writes every figure with its unit', async () => {
  const db = tempDb();
  try {
    const out = join(db.dir, 'results.json');
    const run = await spawnTs('bench/run.ts', {}, /written to/, ['--quick', '--out', out]);
    expect(await run.exited).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results).toMatchObject({ quick: true, node: process.version, cores: expect.any(Number) });
    expect(results.depth.claimMsAt1k).toBeGreaterThan(0);
    expect(results.depth.claimMsAt1M).toBeGreaterThan(0);
    for (const f of results.figures) {
      expect(f).toMatchObject({ workload: expect.any(String), unit: expect.any(String) });
      expect(Number.isFinite(f.value)).toBe(true);
    }
  } finally {
    await db.cleanup();
  }
}, 120_000);
