// npm run fleet -- [--api N] [--workers M] [--database URL] [--redis URL] [--port P]: a local fleet for trying it
// out: N API-only processes (ports P, P+1, ...) and M worker-only processes on one database (and Redis if given),
// each the production entry point, their output prefixed by name. Prints the addresses; Ctrl-C stops them all.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const USAGE =
  'usage: npm run fleet -- [--api N (>= 1, default 2)] [--workers M (>= 0, default 2)] [--database URL] [--redis URL] [--port P (default 4000)]\n';

let values: Record<string, string | undefined>;
try {
  values = parseArgs({
    options: {
      api: { type: 'string', default: '2' },
      workers: { type: 'string', default: '2' },
      database: { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/test' },
      redis: { type: 'string', default: process.env.REDIS_URL },
      port: { type: 'string', default: '4000' },
    },
  }).values as Record<string, string | undefined>;
} catch {
  process.stderr.write(USAGE);
  process.exit(2);
}
const apis = Number(values.api);
const workers = Number(values.workers);
const port = Number(values.port);
if (!Number.isInteger(apis) || apis < 1 || !Number.isInteger(workers) || workers < 0 || !(port > 0)) {
  process.stderr.write(USAGE);
  process.exit(2);
}

const env: Record<string, string> = {
  DATABASE_URL: values.database!,
  ...(values.redis ? { REDIS_URL: values.redis } : {}),
  // A small pool per process: a fleet on one machine shares the server's max_connections.
  DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? '4',
};
const children: { name: string; proc: ChildProcess }[] = [];

function launch(name: string, entry: string, extra: Record<string, string>): void {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own: Ctrl-C reaches this script alone, which stops each child once, in order.
    detached: true,
  });
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
  }
  proc.once('exit', (code, signal) => {
    process.stdout.write(`[${name}] exited (${code ?? signal})\n`);
    if (children.every((c) => c.proc.exitCode !== null || c.proc.signalCode !== null)) process.exit(0);
  });
  children.push({ name, proc });
}

// The first API process creates the tables; the rest start once it listens (migrations also take a lock).
launch('api-1', 'src/main.ts', { PORT: String(port), WORKER_CONCURRENCY: '0' });
await new Promise<void>((resolve) => {
  const first = children[0]!.proc;
  createInterface({ input: first.stdout! }).on('line', (line) => {
    if (line.startsWith('listening on')) resolve();
  });
  first.once('exit', () => process.exit(1));
});
for (let i = 2; i <= apis; i++) {
  launch(`api-${i}`, 'src/main.ts', { PORT: String(port + i - 1), WORKER_CONCURRENCY: '0' });
}
for (let i = 1; i <= workers; i++) launch(`worker-${i}`, 'src/worker-main.ts', {});

process.stdout.write(
  `fleet: ${apis} API (${Array.from({ length: apis }, (_, i) => `http://127.0.0.1:${port + i}/graphql`).join(', ')}), ${workers} workers on ${redact(values.database!)}${values.redis ? ` and ${redact(values.redis)}` : ''}; Ctrl-C stops it\n`,
);

let stopping = false;
const stop = () => {
  if (stopping) {
    for (const c of children) c.proc.kill('SIGKILL');
    process.exit(1);
  }
  stopping = true;
  for (const c of children) c.proc.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

/** A URL without its password. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
