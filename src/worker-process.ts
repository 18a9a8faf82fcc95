// The worker as a child process of the service (WORKER_PROCESS, the default): `npm start` on one machine uses a
// second core for underwriting, so the API's event loop never waits behind an attempt, and the child runs at a
// lower CPU priority (WORKER_NICE) so the API goes first when both want a core. The child is `src/worker-main.ts`
// with the same environment and Node flags; it is started again after an unexpected exit (with backoff), and
// stopped with SIGTERM (it drains like any worker process) when the service stops.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from './logger.js';
import type { AttemptInfo } from './queue/worker.js';
import type { AttemptFigures } from './server/metrics.js';

const ENTRY = fileURLToPath(new URL('./worker-main.ts', import.meta.url));

export interface WorkerProcess {
  /** Resolves once the first child says it works. */
  started: Promise<void>;
  /** SIGTERM to the child; resolves when it exited (SIGKILL after `graceMs` more). */
  stop(graceMs: number): Promise<void>;
  /** This process is writing to the database (a submission): the child leaves SQLite's write lock gaps meanwhile. */
  writing(): void;
}

/** At most one `writing` message per this many ms (the child keeps its gaps for 500 ms after each). */
const WRITING_EVERY_MS = 100;

/** The child's attempts as it sends them: outcome, duration in ms, status as stored (null: not stored). */
export type AttemptTuple = [AttemptInfo['outcome'], number, string | null];

/** `onAttempt`: the child's attempts, for this process's /metrics (the child has no server of its own). */
export function startWorkerProcess(
  logger: Logger,
  onAttempt?: (info: AttemptFigures) => void,
): WorkerProcess {
  let child: ChildProcess | undefined;
  let stopping = false;
  let failures = 0;
  let restart: NodeJS.Timeout | undefined;
  let onStarted: () => void = () => {};
  let lastWriting = -Infinity;
  const started = new Promise<void>((resolve) => {
    onStarted = resolve;
  });

  function launch(): void {
    // Its output goes straight to ours (this process relays nothing); it says it works over the IPC channel.
    const proc = spawn(process.execPath, [...process.execArgv, ENTRY], {
      env: process.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child = proc;
    proc.on('message', (message: unknown) => {
      const m = message as { started?: boolean; attempts?: AttemptTuple[] } | null;
      if (m?.started) {
        failures = 0;
        onStarted();
      }
      for (const [outcome, durationMs, status] of m?.attempts ?? []) {
        onAttempt?.({ outcome, durationMs, stored: status === null ? null : { status } });
      }
    });
    proc.once('exit', (code, signal) => {
      if (stopping) return;
      const delay = Math.min(10_000, 250 * 2 ** failures++);
      logger.error({ code, signal, restartInMs: delay }, 'the worker process exited; starting it again');
      restart = setTimeout(launch, delay);
    });
  }

  launch();
  return {
    started,
    writing() {
      const now = performance.now();
      if (now - lastWriting < WRITING_EVERY_MS || !child?.connected) return;
      lastWriting = now;
      child.send({ writing: true });
    },
    async stop(graceMs) {
      stopping = true;
      clearTimeout(restart);
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs + 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
