// Runs a scenario against the real store and the model side by side, checking every invariant after each
// step, then drains the queue (leases expire, retries fall due, everything is taken and completed) so a
// message stuck anywhere shows up as a failure. A failure names the step and the operation.
import { expect } from 'vitest';
import { isDomainError } from '../../src/queue/errors.js';
import type { ChangeOutcome, Held, Transition } from '../../src/queue/store.js';
import { cancel, complete, fail, progress, release, retry, review } from '../../src/queue/transitions.js';
import type { NewMessage } from '../../src/queue/types.js';
import type { Engine } from '../helpers/databases.js';
import { checkInvariants } from './invariants.js';
import { type Fence, ModelError, QueueModel, type Verdict } from './model.js';
import { AGING_MS, LEASE_MS, type Op, type Scenario, type SubmitItem } from './ops.js';
import { openRealQueue, type RealQueue } from './real.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const WORKERS = ['worker-0', 'worker-1'] as const;
const SYNC_WORKER = 'sync-worker';
const LOST = 'worker lost: its lease expired before the attempt ended';

export async function runScenario(scenario: Scenario, engine: Engine = 'SQLite'): Promise<void> {
  const run: Run = {
    model: new QueueModel(scenario.maxSize, T0),
    real: await openRealQueue(engine),
    offered: 0,
  };
  try {
    for (const [i, op] of [...scenario.ops, 'drain' as const].entries()) {
      try {
        if (op === 'drain') await drain(run);
        else await step(run, op, i);
        await checkInvariants(run.model, run.real.store);
      } catch (error) {
        const what = op === 'drain' ? 'the final drain' : `step ${i} ${JSON.stringify(op)}`;
        throw new Error(`after ${what}: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    }
  } finally {
    await run.real.cleanup();
  }
}

interface Run {
  model: QueueModel;
  real: RealQueue;
  /** Ids offered to new messages so far: each submission offers a fresh one. */
  offered: number;
}

/** Applies one operation to both sides and compares what each answered. */
async function step(run: Run, op: Op, index: number): Promise<void> {
  const { model, real } = run;
  const store = real.store;
  const now = () => new Date(model.now);
  switch (op.op) {
    case 'submit': {
      const sync = op.sync ? SYNC_WORKER : null;
      const message = newMessage(run, op, index);
      const claimFor = sync ? { claimFor: { workerId: sync, leaseMs: LEASE_MS } } : {};
      const actual = await settle(store.enqueue(message, { maxSize: model.maxSize, ...claimFor }, now()));
      const expected = modelled(() => [model.enqueue(op, message.id, index, sync)]);
      expect(actual, 'enqueue answer').toEqual(expected);
      return;
    }
    case 'submitMany': {
      const list = op.items.map((item) => newMessage(run, item, index));
      const actual = await settle(store.enqueueMany(list, { maxSize: model.maxSize }, now()));
      const expected = modelled(() =>
        model.atomically(() => op.items.map((item, k) => model.enqueue(item, list[k]!.id, index, null))),
      );
      expect(actual, 'enqueueMany answer (all or none)').toEqual(expected);
      return;
    }
    case 'claim': {
      const worker = WORKERS[op.worker];
      const taken = await store.claim({ workerId: worker, limit: op.limit, leaseMs: LEASE_MS, now: now() });
      expect(
        taken.map((m) => m.id),
        'claimed, in take order',
      ).toEqual(model.claim(worker, op.limit));
      return;
    }
    case 'complete':
      return settleHeld(run, op.pick, (f) => [
        complete(f, { result: { ok: true }, review: { required: op.review, reasons: [] } }),
        () => model.complete(f, op.review),
      ]);
    case 'fail': {
      const outcome = op.timedOut ? 'TIMED_OUT' : 'FAILED';
      const error = `attempt failed (${outcome})`;
      return settleHeld(run, op.pick, (f) => [
        fail(f, error, op.delayMs, outcome),
        () => model.fail(f, error, op.delayMs, outcome),
      ]);
    }
    case 'progress':
      return settleHeld(run, op.pick, (f) => [progress(f, { step: index }), () => model.progress(f)]);
    case 'release':
      return settleHeld(run, op.pick, (f) => [release(f), () => model.release(f)]);
    case 'renew': {
      const worker = WORKERS[op.worker];
      const held = model.running(worker);
      const lost = await store.renewLeases(worker, held.map(toHeld), LEASE_MS, now());
      expect(lost.sort(), 'leases lost at renewal').toEqual(model.renew(worker, held).sort());
      return;
    }
    case 'cancel': {
      const id = model.id(
        op.pick,
        op.fit ? (m) => m.status === 'PENDING' || m.status === 'PROCESSING' : undefined,
      );
      return changeById(run, id, cancel(), () => model.cancel(id));
    }
    case 'retry': {
      const id = model.id(op.pick, op.fit ? (m) => m.status === 'FAILED' : undefined);
      return changeById(run, id, retry(), () => model.retry(id));
    }
    case 'review': {
      const id = model.id(op.pick, op.fit ? (m) => m.reviewState === 'PENDING' : undefined);
      const action = op.approve ? 'APPROVE' : 'REJECT';
      return changeById(run, id, review(action, 'rev', null), () => model.review(id, op.approve));
    }
    case 'tick':
    case 'jump':
      model.now += op.ms;
      return;
    case 'expire':
      model.now += LEASE_MS + 1;
      return reap(run, op.lateRenew);
    case 'reap':
      return reap(run, op.lateRenew);
    case 'age':
      expect(await store.agePriorities(now(), AGING_MS), 'messages aged').toBe(model.age());
      return;
    case 'purge': {
      const before = model.now - op.retentionMs;
      expect(await store.purge(new Date(before)), 'purged').toBe(model.purge(before));
      return;
    }
    case 'crash':
    case 'restart':
      await (op.op === 'crash' ? real.crash() : real.restart());
      model.crash();
      return;
  }
}

/** The reaper, as every worker runs it: expired leases become LOST attempts, due again at once. */
async function reap({ model, real }: Run, lateRenew: boolean): Promise<void> {
  const now = new Date(model.now);
  const expired = await real.store.expiredLeases(now, 100);
  const modelled = model.expired();
  expect(expired.map((h) => h.id).sort(), 'expired leases').toEqual(modelled.map((f) => f.id).sort());
  if (lateRenew) {
    // A slow but live owner renews between the reaper's look and its write: the verdict must not stand.
    for (const f of modelled) {
      await real.store.renewLeases(f.worker, [toHeld(f)], LEASE_MS, now);
      model.renew(f.worker, [f]);
    }
  }
  const outcomes = await real.store.change(
    modelled.map((f) => ({ id: f.id, transition: fail(toHeld(f), LOST, 0, 'LOST', now) })),
    now,
  );
  const expected = modelled.map((f) => model.fail(f, LOST, 0, 'LOST', model.now));
  expect(outcomes.map(verdict), 'reaped').toEqual(expected);
}

/** Runs until nothing is PENDING or PROCESSING: what a live worker fleet would do, given time. */
async function drain(run: Run): Promise<void> {
  const { model } = run;
  for (let round = 0; round < 200; round++) {
    if (model.count('PENDING') + model.count('PROCESSING') === 0) {
      const stats = await run.real.store.stats(new Date(model.now), model.maxSize);
      expect(stats.pendingCount + stats.processingCount, 'nothing left after the drain').toBe(0);
      return;
    }
    if (model.count('PROCESSING') > 0) await step(run, { op: 'expire', lateRenew: false }, -1);
    const due = model.nextDueAt();
    if (model.takeOrder().length === 0 && due !== null) model.now = due;
    const before = model.fenceCount;
    await step(run, { op: 'claim', worker: 0, limit: 3 }, -1);
    // The newest claims are picks 0..n-1; settle the oldest first, as a worker would in take order.
    for (let k = model.fenceCount - before - 1; k >= 0; k--) {
      await step(run, { op: 'complete', pick: k, review: false }, -1);
    }
  }
  throw new Error('the queue did not drain in 200 rounds');
}

/** Settles a claim picked among all ever taken; the transition and the model's verdict come from `both`. */
async function settleHeld(run: Run, pick: number, both: (f: Fence) => [Transition, () => Verdict]) {
  const f = run.model.fence(pick);
  if (!f) return;
  const [transition, modelled] = both(f);
  const [outcome] = await run.real.store.change([{ id: f.id, transition }], new Date(run.model.now));
  expect(verdict(outcome!), `settling claim ${f.id}#${f.attempts}`).toBe(modelled());
}

async function changeById(run: Run, id: string, transition: Transition, modelled: () => Verdict) {
  const [outcome] = await run.real.store.change([{ id, transition }], new Date(run.model.now));
  expect(verdict(outcome!), `change of ${id}`).toBe(modelled());
}

function verdict(o: ChangeOutcome): Verdict {
  if (o.ok) return 'ok';
  return o.skipped ? 'skipped' : o.error.code;
}

type Enqueued = { id: string; created: boolean }[];
type Answer = { message: { id: string }; created: boolean };

/** The model's answer to a submission, or the code it refused with (then the model is unchanged). */
function modelled(work: () => Enqueued): Enqueued | string {
  try {
    return work();
  } catch (error) {
    if (error instanceof ModelError) return error.code;
    throw error;
  }
}

/** The store's answer to a submission in the same terms. */
async function settle(work: Promise<Answer[] | Answer>): Promise<Enqueued | string> {
  try {
    const out = await work;
    return (Array.isArray(out) ? out : [out]).map((r) => ({ id: r.message.id, created: r.created }));
  } catch (error) {
    if (isDomainError(error)) return error.code;
    throw error;
  }
}

/** A new message offering a fresh id (kept only if the store creates a message). */
function newMessage(run: Run, item: SubmitItem, step: number): NewMessage {
  return {
    id: `m${++run.offered}`,
    priority: item.priority,
    payload: { step },
    options: null,
    maxRetries: item.maxRetries,
    timeoutSeconds: 30,
    owner: `owner-${item.owner}`,
    idempotencyKey: item.key === null ? null : `key-${item.key}`,
    createdAt: new Date(run.model.now),
  };
}

function toHeld(f: Fence): Held {
  return { id: f.id, attempts: f.attempts };
}
