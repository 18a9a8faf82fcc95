// A short chaos run as part of the suite, on each engine: worker and API processes killed with SIGKILL under steady
// submissions lose nothing and complete nothing twice (the long run is `npm run chaos -- --seconds 300`).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/child.js';
import { ENGINES, PG_URL } from './helpers/postgres.js';

function runChaos(
  seconds: number,
  extra: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/chaos.ts', '--seconds', String(seconds), ...extra],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  proc.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => proc.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe.each(ENGINES)('chaos on %s: kill -9 of random processes under steady submissions', (engine) => {
  it('ends with every accepted message COMPLETED or FAILED, none completed twice', async () => {
    // On PostgreSQL, as a fleet: two API processes and two worker processes on one schema, all killed at random.
    const extra = engine === 'PostgreSQL' ? ['--database', PG_URL, '--api', '2', '--workers', '2'] : [];
    const { code, stdout, stderr } = await runChaos(8, extra);
    expect(stdout, stderr).toMatch(/^chaos: \d+ kills, \d+ messages, 0 lost, 0 completed twice\n$/);
    const [, kills, messages] = /^chaos: (\d+) kills, (\d+) messages/.exec(stdout)!;
    expect(Number(kills)).toBeGreaterThan(0);
    expect(Number(messages)).toBeGreaterThan(0);
    expect(code, stderr).toBe(0);
  }, 150_000);
});
