// Write transactions that wait for another process's write lock on the event loop, not in SQLite's busy handler.
//
// better-sqlite3 is synchronous, so a BEGIN IMMEDIATE that meets the lock sleeps in the busy handler with the whole
// event loop stopped. Here the first try runs with a busy timeout of 0; a refused one is run again from the start
// by timers, in the order asked, until the connection's own busy timeout has passed since it was asked.
import type Database from 'better-sqlite3';
import { withBusyTimeout } from './busy-timeout.js';

/** The pauses between tries of a refused write: two loop turns first, then short timers (ms; the last repeats). */
const PAUSES_MS = [0, 0, 1, 1, 1, 2];

interface Waiting {
  attempt: () => unknown;
  after: (result: unknown) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** performance.now() past which a refusal is final: a wall-clock jump must not end or stretch the wait. */
  deadline: number;
}

const REFUSED = Symbol('refused');

export class LockWait {
  private readonly waiting: Waiting[] = [];
  private readonly boundMs: number;
  private pause = 0;
  private drained: (() => void) | null = null;

  constructor(private readonly db: Database.Database) {
    this.boundMs = Number(db.pragma('busy_timeout', { simple: true }));
  }

  /**
   * Runs `attempt` (one whole write transaction, which must leave nothing behind when its BEGIN is refused) and then
   * `after` with its result, at once when the lock is free and nothing waits before it, else later in order. Errors
   * other than SQLITE_BUSY pass through; SQLITE_BUSY past the bound rejects with SQLite's own error.
   */
  run<R, T>(attempt: () => R, after: (result: R) => T): T | Promise<T> {
    if (this.waiting.length === 0) {
      const result = this.tryOnce(attempt);
      if (result !== REFUSED) return after(result);
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        attempt,
        after: after as (result: unknown) => unknown,
        resolve: resolve as (value: unknown) => void,
        reject,
        deadline: performance.now() + this.boundMs,
      });
      if (this.waiting.length === 1) {
        this.pause = 0;
        this.schedule();
      }
    });
  }

  /** Resolves once no write waits (each is bounded by its deadline). */
  idle(): Promise<void> {
    if (this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const before = this.drained;
      this.drained = () => {
        before?.();
        resolve();
      };
    });
  }

  private schedule(): void {
    const ms = PAUSES_MS[Math.min(this.pause, PAUSES_MS.length - 1)] ?? 0;
    this.pause += 1;
    if (ms === 0) setImmediate(this.pump);
    else setTimeout(this.pump, ms);
  }

  private readonly pump = (): void => {
    while (this.waiting.length > 0) {
      const head = this.waiting[0] as Waiting;
      let result: unknown;
      try {
        result = this.tryOnce(head.attempt, performance.now() >= head.deadline);
      } catch (error) {
        this.waiting.shift();
        head.reject(error);
        continue;
      }
      if (result === REFUSED) {
        this.schedule();
        return;
      }
      this.waiting.shift();
      this.pause = 0;
      try {
        head.resolve(head.after(result));
      } catch (error) {
        head.reject(error);
      }
    }
    const drained = this.drained;
    this.drained = null;
    drained?.();
  };

  /** One try with the busy timeout at 0; REFUSED on SQLITE_BUSY unless `last`, which throws it instead. */
  private tryOnce<R>(attempt: () => R, last = false): R | typeof REFUSED {
    try {
      return withBusyTimeout(this.db, 0, this.boundMs, attempt);
    } catch (error) {
      if (!last && (error as { code?: unknown } | null)?.code === 'SQLITE_BUSY') return REFUSED;
      throw error;
    }
  }
}
