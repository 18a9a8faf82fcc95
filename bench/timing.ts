// Timing helpers shared by the workloads: one claim timed, two measures taken in turn, a wait with a limit.
import type { QueueStore } from '../src/queue/store.js';

/** Milliseconds one claim of one message takes; throws when the store has none due. */
export async function timeClaim(store: QueueStore): Promise<number> {
  const t0 = process.hrtime.bigint();
  const [m] = await store.claim({ workerId: 'bench', limit: 1, leaseMs: 60_000, now: new Date() });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!m) throw new Error('no due message left');
  return ms;
}

/** `n` of each, taken in turn (a, b, b, a, ...), so a slow spell of the machine falls on both alike. */
export async function inTurn(
  a: () => Promise<number>,
  b: () => Promise<number>,
  n: number,
): Promise<[number[], number[]]> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
  return [as, bs];
}

/** `promise`, or a rejection naming `what` once `ms` have passed. */
export function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
