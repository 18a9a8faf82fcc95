// Where the webhook thread starts from. Run from TypeScript source, the thread would load each of its modules
// through tsx's loader, which costs the process more CPU than its first thousands of deliveries; so thread-main.ts
// and everything it imports (but the native better-sqlite3) are bundled by esbuild into one cached file, rebuilt
// whenever one of those files changed. The .ts entry through tsx stays the fallback when no bundle can be had.
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type EntryKind = 'bundle' | 'source' | 'compiled';

export interface ThreadEntry {
  url: URL;
  kind: EntryKind;
  /** Why the bundle is not used (kind 'source' only). */
  error?: unknown;
}

/** The project's root, where the relative names in the bundle's header start. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNS_COMPILED = !import.meta.url.endsWith('.ts');
const SOURCE_ENTRY = new URL(RUNS_COMPILED ? './thread-main.js' : './thread-main.ts', import.meta.url);
/** In node_modules, so its package imports resolve as the sources' do; `npm ci` clears it with the rest. */
export const DEFAULT_BUNDLE = fileURLToPath(
  new URL('../../node_modules/.cache/quote-queue/webhook-thread.mjs', import.meta.url),
);
/** The bundle's first line: this prefix, then JSON of each bundled file's stamp. Bump the version to rebuild. */
const HEADER = '// quote-queue webhook thread bundle v1 ';
const REQUIRE =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
/** Builds running in this process (they share esbuild's service process). */
let builds = 0;

/**
 * The entry to start the thread from: the compiled thread-main.js when the service runs compiled; else the bundle
 * at `bundleFile`, checked against its sources and rebuilt if one changed; else thread-main.ts (`error` says why).
 */
export async function threadEntry(bundleFile: string | null = DEFAULT_BUNDLE): Promise<ThreadEntry> {
  if (RUNS_COMPILED) return { url: SOURCE_ENTRY, kind: 'compiled' };
  if (bundleFile === null) return { url: SOURCE_ENTRY, kind: 'source' };
  try {
    if (!(await isFresh(bundleFile))) await buildBundle(bundleFile);
    return { url: pathToFileURL(bundleFile), kind: 'bundle' };
  } catch (error) {
    return { url: SOURCE_ENTRY, kind: 'source', error };
  }
}

/** Whether the bundle exists and every file in it still has the modification time and size it was built from. */
export async function isFresh(bundleFile: string): Promise<boolean> {
  let inputs: Record<string, string>;
  try {
    const text = await readFile(bundleFile, 'utf8');
    const first = text.slice(0, text.indexOf('\n'));
    if (!first.startsWith(HEADER)) return false;
    inputs = JSON.parse(first.slice(HEADER.length)) as Record<string, string>;
  } catch {
    return false;
  }
  const names = Object.keys(inputs);
  // A few hundred stats: cheaper than one promise each, and over before the thread would start.
  return names.length > 0 && names.every((name) => stamp(resolve(ROOT, name)) === inputs[name]);
}

/** Bundles thread-main.ts into `bundleFile` (written whole, then renamed: concurrent builders never mix). */
export async function buildBundle(bundleFile: string): Promise<void> {
  const esbuild = await import('esbuild');
  builds++;
  const outDir = dirname(bundleFile);
  const inputs: Record<string, string> = {};
  try {
    const result = await esbuild.build({
      entryPoints: [fileURLToPath(SOURCE_ENTRY)],
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // A native addon: loaded from node_modules, which the bundle's folder is inside.
      external: ['better-sqlite3'],
      // The CommonJS packages inside call `require` for Node's own modules.
      banner: { js: REQUIRE },
      write: false,
      logLevel: 'silent',
      plugins: [
        {
          name: 'sources',
          setup(build) {
            // Each file as read, stamped for the header; `import.meta.url` made to name that file, not the
            // bundle (paths like the migrations folder are relative to it).
            build.onLoad({ filter: /.*/, namespace: 'file' }, async ({ path }) => {
              // Stamped before it is read: a file changed in between reads as changed at the next check.
              inputs[relative(ROOT, path).split(sep).join('/')] = stampOf(await stat(path, { bigint: true }));
              const bytes = await readFile(path);
              const own = JSON.stringify(relative(outDir, path).split(sep).join('/'));
              return {
                contents: bytes
                  .toString('utf8')
                  .replaceAll('import.meta.url', `new URL(${own}, import.meta.url).href`),
                loader: path.endsWith('.ts') ? 'ts' : path.endsWith('.json') ? 'json' : 'js',
              };
            });
          },
        },
      ],
    });
    const code = result.outputFiles?.[0]?.text;
    if (!code) throw new Error('esbuild produced no output');
    await mkdir(outDir, { recursive: true });
    const temp = `${bundleFile}.${process.pid}-${randomUUID()}.tmp`;
    try {
      await writeFile(temp, `${HEADER}${JSON.stringify(inputs)}\n${code}`);
      await rename(temp, bundleFile);
    } finally {
      await rm(temp, { force: true });
    }
  } finally {
    // esbuild's service process is not needed again until a source changes (stopped once no build uses it).
    if (--builds === 0) await esbuild.stop();
  }
}

/** A file's modification time (to the nanosecond where the file system keeps it) and size; null if gone. */
function stamp(path: string): string | null {
  const info = statSync(path, { throwIfNoEntry: false, bigint: true });
  return info ? stampOf(info) : null;
}

function stampOf(info: { mtimeNs?: bigint; mtimeMs: number | bigint; size: number | bigint }): string {
  return `${info.mtimeNs ?? info.mtimeMs}:${info.size}`;
}
