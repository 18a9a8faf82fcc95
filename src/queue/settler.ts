// Batches the changes workers make (results, failures, progress) into one write transaction per tick, and writes
// the batches that follow from one another (a batch's claims whose attempts settle without waiting) in the same
// turn of the event loop, within a share of the turn's time.
import type { ChangeOutcome, ChangeRequest, ClaimOptions, QueueStore } from './store.js';
import type { Message } from './types.js';

export interface SettlerOptions {
  store: QueueStore;
  clock: () => Date;
  /** Called after each stored batch (the process publishes its own changes from here). */
  onStored?: () => void;
  onError?: (error: unknown, context: string) => void;
  /** Tries of a batch that storage refused before its attempts are left to lease expiry. Default 5. */
  tries?: number;
  /**
   * Asked right before each batch is written, with its requests: a claim to make in the same transaction (the
   * worker refilling the slots that the batch's attempts free), or null. Every claim is answered by `onClaimed`.
   */
  claim?: (batch: ChangeRequest[]) => ClaimOptions | null;
  /** What the batch's claim took; `ok` is false when the transaction failed (nothing was claimed). */
  onClaimed?: (claimed: Message[], claim: ClaimOptions, ok: boolean) => void;
  /**
   * The time a turn may spend writing batches that follow from one another, as a share of the time the event
   * loop spent elsewhere since the last such turn, within `[minTurnMs, maxTurnMs]`. Defaults 0.5, 2 and 20.
   */
  turnShare?: number;
  minTurnMs?: number;
  maxTurnMs?: number;
  /**
   * Least time from one batch's commit to the next batch's write, in ms (default 0: at once, with the turn's
   * follow-ups above). A worker process that shares a SQLite file with an API process waits so, leaving the
   * file's one write lock free: the API's writes, whose busy handler sleeps 1 ms, then 2, 5, 10..., get in at
   * their first retry instead of waiting ever longer while the worker takes the lock back-to-back. A function is
   * asked after each commit (0: no gap), so the gap can be kept only while the API process writes.
   */
  gapMs?: number | (() => number);
}

export interface Settler {
  /** Resolves with the message as stored, or null when the change was fenced out or could not be stored. */
  submit(request: ChangeRequest): Promise<Message | null>;
  /** Resolves when everything submitted so far is stored (or given up). */
  flush(): Promise<void>;
}

interface Queued {
  request: ChangeRequest;
  resolve: (message: Message | null) => void;
}

/**
 * Every settlement submitted in the same tick is written in one transaction: with many attempts ending
 * together, the write cost per message falls without weakening any guarantee (each change is still fenced
 * and still appends its own event). A batch refused by storage is tried again with a growing pause; if
 * it never goes through, the attempts stay PROCESSING and their leases expire, so they are taken again.
 */
export function createSettler(options: SettlerOptions): Settler {
  const tries = options.tries ?? 5;
  const turnShare = options.turnShare ?? 0.5;
  const minTurnMs = options.minTurnMs ?? 2;
  const maxTurnMs = options.maxTurnMs ?? 20;
  const gapOption = options.gapMs ?? 0;
  const gapMs = typeof gapOption === 'function' ? gapOption : () => gapOption;
  /** In a gap after a commit (gapMs): what is submitted meanwhile waits for its end, in one batch. */
  let pausing = false;
  let queue: Queued[] = [];
  let immediate: NodeJS.Immediate | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  /** Until when (performance.now()) this turn's batches may be followed at once by those they caused. */
  let turnEnds = 0;
  /** When the last turn of batches ended: the time since then went to the rest of the process's work. */
  let lastTurnEnded = performance.now();

  async function write(batch: Queued[]): Promise<void> {
    const requests = batch.map((q) => q.request);
    for (let attempt = 1; ; attempt++) {
      const claim = options.claim?.(requests) ?? null;
      let written: { outcomes: ChangeOutcome[]; claimed: Message[] };
      try {
        written = claim
          ? await options.store.changeAndClaim(requests, options.clock(), claim)
          : { outcomes: await options.store.change(requests, options.clock()), claimed: [] };
      } catch (error) {
        if (claim) options.onClaimed?.([], claim, false);
        options.onError?.(error, 'settle');
        if (attempt >= tries) {
          for (const q of batch) q.resolve(null);
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        continue;
      }
      if (claim) options.onClaimed?.(written.claimed, claim, true);
      options.onStored?.();
      for (const [i, o] of written.outcomes.entries()) batch[i]?.resolve(o.ok ? o.message : null);
      return;
    }
  }

  function schedule(): void {
    if (immediate || pausing) return;
    immediate = setImmediate(() => {
      immediate = undefined;
      const now = performance.now();
      const budget = Math.min(maxTurnMs, Math.max(minTurnMs, (now - lastTurnEnded) * turnShare));
      turnEnds = now + budget;
      writeQueued();
    });
  }

  function writeQueued(): void {
    const batch = queue;
    queue = [];
    // Batches are written one after another so two changes of one message keep their order.
    inFlight = inFlight
      .then(() => write(batch))
      .then(() => {
        const ms = gapMs();
        return ms > 0 ? gap(ms) : followUp();
      });
  }

  /** After a commit, gapMs with no write of this settler's; then what was submitted meanwhile, as one batch. */
  function gap(ms: number): Promise<void> {
    pausing = true;
    return new Promise<void>((resolve) => setTimeout(resolve, ms)).then(() => {
      pausing = false;
      if (queue.length === 0) return;
      clearImmediate(immediate);
      immediate = undefined;
      writeQueued();
    });
  }

  /**
   * After a batch, once the attempts it claimed have run as far as they can without waiting (a tick runs after
   * the microtasks), what they settled is written now rather than a turn later while the turn's budget lasts:
   * otherwise a worker takes at most its concurrency per turn, however long the turns its process's other
   * work (requests, subscriptions) makes, and falls behind whenever that work piles up.
   */
  function followUp(): Promise<void> | undefined {
    if (performance.now() >= turnEnds) {
      lastTurnEnded = performance.now();
      return undefined;
    }
    return new Promise<void>((resolve) => process.nextTick(resolve)).then(() => {
      if (queue.length === 0 || performance.now() >= turnEnds) {
        lastTurnEnded = performance.now();
        return;
      }
      clearImmediate(immediate);
      immediate = undefined;
      writeQueued();
    });
  }

  return {
    submit(request) {
      return new Promise((resolve) => {
        queue.push({ request, resolve });
        schedule();
      });
    },
    async flush() {
      // A batch's follow-up may start another write: done once a write in flight is the last one.
      for (;;) {
        while (queue.length > 0 || immediate) {
          await new Promise((r) => setImmediate(r));
        }
        const last = inFlight;
        await last;
        if (last === inFlight && queue.length === 0 && !immediate) return;
      }
    },
  };
}
