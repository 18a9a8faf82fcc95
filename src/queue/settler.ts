// Batches the changes workers make (results, failures, progress) into one write transaction per tick.
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
  let queue: Queued[] = [];
  let scheduled = false;
  let inFlight: Promise<void> = Promise.resolve();

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
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const batch = queue;
      queue = [];
      // Batches are written one after another so two changes of one message keep their order.
      inFlight = inFlight.then(() => write(batch));
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
      while (queue.length > 0 || scheduled) {
        await new Promise((r) => setImmediate(r));
      }
      await inFlight;
    },
  };
}
