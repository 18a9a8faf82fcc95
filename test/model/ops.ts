// The operations a model-based run applies to the queue, as plain data, and their fast-check generators.
// Plain data on purpose: a shrunk counter-example prints as JSON and pastes straight into a regression test.
import fc from 'fast-check';
import { PRIORITIES, type Priority } from '../../src/queue/types.js';

/** How long a claim's lease lasts in model runs; `expire` moves the clock just past it. */
export const LEASE_MS = 10_000;
/** Priority aging step used by the `age` operation. */
export const AGING_MS = 30_000;

export interface SubmitItem {
  owner: 0 | 1;
  /** An idempotency key out of a tiny pool, so keys collide often; null: none. */
  key: number | null;
  priority: Priority;
  maxRetries: number;
}

export type Op =
  /** store.enqueue; `sync` claims it in the same transaction (the runQuote path). */
  | ({ op: 'submit'; sync: boolean } & SubmitItem)
  /** store.enqueueMany: all accepted or none. */
  | { op: 'submitMany'; items: SubmitItem[] }
  | { op: 'claim'; worker: 0 | 1; limit: 1 | 2 | 3 }
  /** `pick` chooses among every claim ever taken (0 = newest), so stale fences (zombie workers) are used too. */
  | { op: 'complete'; pick: number; review: boolean }
  | { op: 'fail'; pick: number; delayMs: number; timedOut: boolean }
  | { op: 'progress'; pick: number }
  /** A graceful shutdown hands the attempt back without spending a retry. */
  | { op: 'release'; pick: number }
  /** A heartbeat: the worker renews the leases it believes it holds. */
  | { op: 'renew'; worker: 0 | 1 }
  /**
   * `pick` chooses among the messages the operation applies to when `fit` (and there are some), else among
   * every id ever seen, purged ones included: both the valid path and the refusals get exercised.
   */
  | { op: 'cancel'; pick: number; fit: boolean }
  | { op: 'retry'; pick: number; fit: boolean }
  | { op: 'review'; pick: number; fit: boolean; approve: boolean }
  | { op: 'tick'; ms: number }
  /** A wall-clock jump, forwards or backwards. */
  | { op: 'jump'; ms: number }
  /** The reaper: expired leases become LOST attempts; `lateRenew` lets their owner renew in between (a race). */
  | { op: 'reap'; lateRenew: boolean }
  /** The clock passes every lease, then the reaper runs (with the same race as `reap`). */
  | { op: 'expire'; lateRenew: boolean }
  | { op: 'age' }
  | { op: 'purge'; retentionMs: number }
  /** kill -9: the files as they are on disk are opened by a new process; the workers' memory is gone. */
  | { op: 'crash' }
  /** A clean stop and start on the same file. */
  | { op: 'restart' };

export interface Scenario {
  /** MAX_QUEUE_SIZE for the run: small, so QUEUE_FULL happens. */
  maxSize: number;
  ops: Op[];
}

const pick = fc.nat({ max: 7 });
const worker = fc.constantFrom(0, 1);
/** True about one time in four: for variants that would drown the common path if they were half. */
const rarely = fc.oneof(
  { weight: 3, arbitrary: fc.constant(false) },
  { weight: 1, arbitrary: fc.constant(true) },
);
const often = rarely.map((b) => !b);
const itemFields = {
  owner: worker,
  key: fc.option(fc.nat({ max: 2 }), { freq: 2 }),
  priority: fc.constantFrom(...(Object.keys(PRIORITIES) as Priority[])),
  maxRetries: fc.nat({ max: 2 }),
};

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('submit'), sync: rarely, ...itemFields }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('submitMany'),
      items: fc.array(fc.record(itemFields), { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('claim'), worker, limit: fc.constantFrom(1, 2, 3) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('complete'), pick, review: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('fail'),
      pick,
      delayMs: fc.constantFrom(0, 1, 500, 5_000),
      timedOut: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('progress'), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('release'), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('renew'), worker }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cancel'), pick, fit: often }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('retry'), pick, fit: often }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('review'), pick, fit: often, approve: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('tick'),
      ms: fc.constantFrom(1, 10, 499, 500, 2_000, 5_000, AGING_MS),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('jump'),
      ms: fc.constantFrom(-60_000, -1_000, 3_600_000, 86_400_000),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reap'), lateRenew: rarely }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('expire'), lateRenew: rarely }) },
  { weight: 2, arbitrary: fc.constant({ op: 'age' }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('purge'), retentionMs: fc.constantFrom(0, 60_000) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'crash' }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restart' }) },
);

export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  maxSize: fc.integer({ min: 1, max: 6 }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 40, size: 'max' }),
});
