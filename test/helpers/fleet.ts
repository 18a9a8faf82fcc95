// Real service processes for fleet tests: API processes (`npm start`'s entry, with or without a worker) and
// worker-only processes (`npm run worker`'s entry) on one DATABASE_URL, each a child process of the test.
import { type Child, spawnTs } from './child.js';
import { type GraphQLClients, graphqlClients } from './server.js';

/** The environment every fleet process starts with; a test's own variables override it. */
export const FLEET_ENV = {
  HOST: '127.0.0.1',
  PORT: '0',
  API_KEYS: '',
  DATABASE_POOL_SIZE: '2',
  RETRY_BACKOFF_MS: '10',
  SHUTDOWN_GRACE_SECONDS: '1',
  ALLOW_FAULT_INJECTION: 'true',
  LOG_LEVEL: 'info',
};

export interface FleetProcess {
  child: Child;
  /** Output lines so far that are JSON log records (pino), parsed. */
  logs(): Record<string, unknown>[];
  /** Resolves with the first log record (past or future) that `match` accepts. */
  waitForLog(
    match: (record: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it exited. */
  stop(): Promise<void>;
}

export interface ApiProcess extends FleetProcess, GraphQLClients {}

function wrap(child: Child): FleetProcess {
  const logs = () =>
    child
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  return {
    child,
    logs,
    waitForLog(match, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = logs().find(match);
          if (!found) return false;
          cleanup();
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching log line within ${timeoutMs} ms:\n${child.output().slice(-3000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          child.proc.stdout!.off('data', check);
          child.proc.stderr!.off('data', check);
        };
        // The child's own buffer is filled by its first 'data' listener, which runs before these.
        child.proc.stdout!.on('data', check);
        child.proc.stderr!.on('data', check);
        check();
      });
    },
    async stop() {
      if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
      child.proc.kill('SIGTERM');
      const timer = setTimeout(() => child.proc.kill('SIGKILL'), 5000);
      await child.exited;
      clearTimeout(timer);
    },
  };
}

/** Starts `src/main.ts` (the API, and a worker unless WORKER_CONCURRENCY=0) and waits for its address. */
export async function startApi(env: Record<string, string>): Promise<ApiProcess> {
  const child = await spawnTs('src/main.ts', { ...FLEET_ENV, ...env }, /listening on (\S+)\n/);
  const url = /listening on (\S+)\n/.exec(child.output())![1]!;
  const base = wrap(child);
  const { dispose, ...clients } = graphqlClients(url);
  return {
    ...base,
    ...clients,
    async stop() {
      await dispose();
      await base.stop();
    },
  };
}

/** Starts `src/worker-main.ts` (a worker-only process) and waits until it works. */
export async function startWorker(env: Record<string, string>): Promise<FleetProcess> {
  return wrap(await spawnTs('src/worker-main.ts', { ...FLEET_ENV, ...env }, 'worker started'));
}
