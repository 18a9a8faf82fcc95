// A server under test in its own child process (its own event loop and core), so the load generator or
// the subscribers in the bench process never share its loop. Talks over IPC: `ready` with the URLs,
// `memory` (after a full GC) for per-subscriber figures, `cpu` (the process's CPU time so far, every thread, and
// how long its main thread waited for a CPU), and `stop`. The child is started with --expose-gc; with
// BENCH_CPU_PROF=DIR it also runs under --cpu-prof and writes its profile into DIR.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runQueueWaitMicros } from '../sched.js';

export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export type ToChild =
  | { type: 'memory' }
  | { type: 'cpu' }
  | { type: 'stop' }
  /** bench/servers/quote-service.ts: store `n` quotes in one transaction, then report `drained`. */
  | { type: 'seed'; n: number; agentic: boolean; processor: 'quotes' | 'noop' }
  /** bench/servers/follow-service.ts: store `n` quotes with the worker paused, answer `seeded` with their ids. */
  | { type: 'follow-seed'; n: number }
  /**
   * bench/servers/follow-service.ts: resume the worker, answer `follow-drained` once every quote it seeded completed,
   * or, with `count`, once this process has seen that many COMPLETED changes made by any process (a fleet's drain).
   */
  | { type: 'follow-go'; count?: number }
  /** bench/servers/follow-service.ts: pause or resume its worker, no answer. */
  | { type: 'follow-pause'; paused: boolean };
export type FromChild =
  | { type: 'ready'; url: string; wsUrl: string }
  | ({ type: 'memory' } & Memory)
  | { type: 'cpu'; micros: number; waitMicros: number | null }
  | { type: 'drained'; count: number; seconds: number; cpuMicros: number }
  | { type: 'stopped' }
  | { type: 'seeded'; ids: string[] }
  /** When each change was published after its commit: message index, version, epoch ms (flat triples). */
  | { type: 'follow-drained'; seconds: number; commits: number[] };

export interface ServerChild {
  pid: number;
  url: string;
  wsUrl: string;
  /**
   * bench/servers/quote-service.ts: stores `n` quotes at once, then resolves when they are drained, with the time
   * and the child's CPU from the moment they were stored.
   */
  seedAndDrain(
    n: number,
    agentic: boolean,
    processor: 'quotes' | 'noop',
  ): Promise<{ count: number; seconds: number; cpuMicros: number }>;
  /** bench/servers/follow-service.ts: stores `n` quotes (worker paused); their ids. */
  followSeed(n: number): Promise<string[]>;
  /**
   * bench/servers/follow-service.ts: drains them; when each change was published (see FromChild). With `count`:
   * resolves once this process saw that many messages completed by any process of its database.
   */
  followGo(count?: number): Promise<{ seconds: number; commits: number[] }>;
  /** bench/servers/follow-service.ts: pauses or resumes its worker. */
  workerPaused(paused: boolean): void;
  /** The child's memory after a full garbage collection. */
  memory(): Promise<Memory>;
  /** CPU time the child has used so far, user and system, all its threads, in microseconds. */
  cpuMicros(): Promise<number>;
  /** The same, and how long its main thread has waited for a CPU so far (null where unknown). */
  usage(): Promise<{ micros: number; waitMicros: number | null }>;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The V8 heap flags this process was started with (results.json records them as nodeFlags). */
export const HEAP_FLAGS = process.execArgv.filter((a) => /^--(max|min)-(semi|old)-space-size=/.test(a));

/** Starts `bench/servers/<name>.ts` with `env` added to this process's, and waits for its `ready`. */
export function startServerChild(
  name: 'service' | 'quote-service' | 'follow-service' | 'bare-yoga' | 'bare-yoga-uncapped',
  env: Record<string, string> = {},
): Promise<ServerChild> {
  const prof = process.env.BENCH_CPU_PROF;
  const proc: ChildProcess = fork(fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), [], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    execArgv: [
      '--expose-gc',
      // Every server runs with the bench's own V8 heap flags (`npm run bench` sets those `npm start` sets).
      ...HEAP_FLAGS,
      '--import',
      'tsx',
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}/${name}`] : []),
    ],
    // The quote service logs a line per attempt, as `npm start` does: written, then dropped.
    stdio: ['ignore', name === 'quote-service' ? 'ignore' : 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const next = (type: FromChild['type']) =>
    new Promise<FromChild>((resolve, reject) => {
      const onMessage = (m: FromChild) => {
        if (m.type !== type) return;
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code: number | null) => {
        proc.off('message', onMessage);
        reject(new Error(`bench server ${name} exited (${code}) while waiting for ${type}`));
      };
      proc.on('message', onMessage);
      proc.once('exit', onExit);
    });
  const send = (m: ToChild) => proc.send(m);
  const usage = async () => {
    const answer = next('cpu');
    send({ type: 'cpu' });
    const { micros, waitMicros } = (await answer) as Extract<FromChild, { type: 'cpu' }>;
    return { micros, waitMicros };
  };
  return next('ready').then((ready) => {
    if (ready.type !== 'ready') throw new Error('unexpected');
    return {
      pid: proc.pid!,
      url: ready.url,
      wsUrl: ready.wsUrl,
      seedAndDrain(n, agentic, processor) {
        const drained = new Promise<{ count: number; seconds: number; cpuMicros: number }>(
          (resolve, reject) => {
            const onMessage = (m: FromChild) => {
              if (m.type !== 'drained') return;
              proc.off('message', onMessage);
              proc.off('exit', onExit);
              resolve(m);
            };
            const onExit = (code: number | null) => {
              proc.off('message', onMessage);
              reject(new Error(`bench server ${name} exited (${code}) before it drained`));
            };
            proc.on('message', onMessage);
            proc.once('exit', onExit);
          },
        );
        send({ type: 'seed', n, agentic, processor });
        return drained;
      },
      async followSeed(n) {
        const answer = next('seeded');
        send({ type: 'follow-seed', n });
        return ((await answer) as { type: 'seeded'; ids: string[] }).ids;
      },
      async followGo(count) {
        const answer = next('follow-drained');
        send({ type: 'follow-go', count });
        const { seconds, commits } = (await answer) as Extract<FromChild, { type: 'follow-drained' }>;
        return { seconds, commits };
      },
      workerPaused(paused) {
        send({ type: 'follow-pause', paused });
      },
      async memory() {
        const answer = next('memory');
        send({ type: 'memory' });
        const { type: _, ...memory } = (await answer) as { type: 'memory' } & Memory;
        return memory;
      },
      async cpuMicros() {
        return (await usage()).micros;
      },
      usage,
      async stop() {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        send({ type: 'stop' });
        const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      },
    };
  });
}

/** The child side: answers `memory` and `stop` (which runs `close` and exits 0, writing any CPU profile). */
export function serveIpc(ready: { url: string; wsUrl: string }, close: () => Promise<void>): void {
  const send = (m: FromChild) => process.send?.(m);
  process.on('message', (m: ToChild) => {
    if (m.type === 'memory') {
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
      send({ type: 'memory', rss, heapUsed, external, arrayBuffers });
    } else if (m.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', micros: user + system, waitMicros: runQueueWaitMicros() });
    } else if (m.type === 'stop') {
      void close()
        .catch((error: unknown) => process.stderr.write(`bench server close failed: ${String(error)}\n`))
        .finally(() => process.exit(0));
    }
  });
  // The parent went away without a stop: do not linger.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', ...ready });
}
