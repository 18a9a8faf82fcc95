// This process as a member of the fleet: a heartbeat row in the database (host, pid, concurrency, running
// attempts) that any process lists, and the fleet-wide pause, read on every heartbeat and applied to the worker.
//
// The pause itself is enforced by the store's claim (it reads the stored flag), so it holds in every process the
// moment it commits; the worker's own flag only saves claims that would take nothing. Another process resumes at
// its next heartbeat.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { QueueStore } from './store.js';
import type { ProcessInfo } from './types.js';
import type { Worker } from './worker.js';

export interface FleetMemberOptions {
  store: QueueStore;
  /** The claiming worker of this process, if any: paused and resumed with the fleet. */
  worker?: Worker;
  /** Workers whose running attempts count as this process's (the claiming one and the synchronous one). */
  running: () => number;
  /** Whether this process serves the API. */
  api: boolean;
  concurrency: number;
  /** How often the row is written and the pause read. Default 1000 ms. */
  heartbeatMs?: number;
  /** A process not heard from for this long leaves the list. Default 10,000 ms. */
  leaseMs?: number;
  clock?: () => Date;
  onError?: (error: unknown) => void;
}

export interface FleetMember {
  readonly id: string;
  /** Writes the first heartbeat and applies the stored pause (before the worker starts taking work). */
  start(): Promise<void>;
  /** Pauses or resumes every worker of the fleet; this process's at once, the others' claims at once too. */
  setPaused(paused: boolean): Promise<void>;
  /** The fleet's pause as this process last read or set it. */
  readonly paused: boolean;
  /** Called when `paused` changes (here or, seen at a heartbeat, elsewhere). Returns the unsubscribe. */
  onPausedChange(listener: (paused: boolean) => void): () => void;
  /** The live processes, this one included. */
  list(): Promise<ProcessInfo[]>;
  /** Stops the heartbeat and removes this process's row. */
  stop(): Promise<void>;
}

export function createFleetMember(options: FleetMemberOptions): FleetMember {
  const { store } = options;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const leaseMs = options.leaseMs ?? 10_000;
  const clock = options.clock ?? (() => new Date());
  const host = hostname();
  const id = `${host}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const startedAt = clock();
  const listeners = new Set<(paused: boolean) => void>();
  let paused = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  /** The heartbeat under way, which stop() waits for so the row it writes is not left behind. */
  let beating: Promise<void> = Promise.resolve();
  /** Bumped by every local setPaused, so a heartbeat read that began before it cannot undo it. */
  let generation = 0;

  function apply(next: boolean): void {
    if (next === paused) return;
    paused = next;
    if (next) options.worker?.pause();
    else options.worker?.resume();
    for (const listener of listeners) listener(next);
  }

  async function beat(): Promise<void> {
    const now = clock();
    const seen = generation;
    const state = await store.beat(
      {
        id,
        host,
        pid: process.pid,
        api: options.api,
        concurrency: options.concurrency,
        running: options.running(),
        startedAt,
        lastHeartbeat: now,
        expiresAt: new Date(now.getTime() + leaseMs),
      },
      now,
    );
    if (seen === generation && !stopped) apply(state.paused);
  }

  function loop(): void {
    timer = setTimeout(() => {
      beating = beat()
        .catch((error) => options.onError?.(error))
        .finally(() => {
          if (!stopped) loop();
        });
    }, heartbeatMs);
    timer.unref();
  }

  return {
    id,
    async start() {
      await beat();
      loop();
    },
    async setPaused(next) {
      generation++;
      await store.setPaused(next, clock());
      apply(next);
    },
    get paused() {
      return paused;
    },
    onPausedChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    list: () => store.processes(clock()),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await beating;
      await store.leave(id).catch((error) => options.onError?.(error));
    },
  };
}
