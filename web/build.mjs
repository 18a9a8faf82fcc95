// Builds web/dist when it is missing or older than its sources: `npm start` (prestart) and `npm test`
// (pretest) run it, so a fresh clone serves the page with no extra step. `--force` always builds.
// Plain JavaScript so it runs before anything is compiled; concurrent callers (test files) build once.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const WEB = dirname(fileURLToPath(import.meta.url));
const INDEX = join(WEB, 'dist', 'index.html');
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'tsconfig.json'].map((p) => join(WEB, p));

/** Newest modification time among the page's sources. */
function newestSource(path = null) {
  let newest = 0;
  for (const entry of path ? [path] : SOURCES) {
    if (!existsSync(entry)) continue;
    const info = statSync(entry);
    if (info.isDirectory()) {
      for (const name of readdirSync(entry)) newest = Math.max(newest, newestSource(join(entry, name)));
    } else {
      newest = Math.max(newest, info.mtimeMs);
    }
  }
  return newest;
}

/** True when web/dist/index.html exists and is newer than every source. */
export function isFresh() {
  return existsSync(INDEX) && statSync(INDEX).mtimeMs >= newestSource();
}

/** Builds unless fresh; several processes calling at once build once (a lock folder in the temp dir). */
export async function ensureBuilt({ force = false, quiet = false } = {}) {
  if (!force && isFresh()) return false;
  const lock = join(tmpdir(), `quote-queue-web-build-${createHash('sha1').update(WEB).digest('hex').slice(0, 12)}`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process builds: wait for it, then use its result (or take over a lock left by a crash).
      if (Date.now() > deadline || Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 120_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (!force && isFresh()) return false;
    }
  }
  try {
    if (!force && isFresh()) return false;
    // A child process with NODE_ENV=production: a caller's NODE_ENV (vitest sets `test`) would otherwise
    // select React's development build.
    const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
    const args = [vite, 'build', WEB, '--logLevel', quiet ? 'warn' : 'info'];
    const run = spawnSync(process.execPath, args, {
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    });
    if (run.status !== 0) throw new Error(`vite build failed (exit ${run.status ?? run.signal})`);
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const force = process.argv.includes('--force');
  const built = await ensureBuilt({ force, quiet: !force });
  console.log(built ? 'built web/dist' : 'web/dist is up to date');
}
