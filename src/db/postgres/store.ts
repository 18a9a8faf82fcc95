// The PostgreSQL implementation of QueueStore: the statement families (enqueue.ts, claim.ts, change.ts, leases.ts,
// events.ts, read.ts, stats.ts, maintenance.ts) inside transactions that retry on serialization failures and
// deadlocks, with connection failures turned into STORAGE_UNAVAILABLE.
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { Sql } from 'postgres';
import { StorageUnavailableError } from '../../queue/errors.js';
import type {
  ChangeOutcome,
  ChangeRequest,
  ClaimOptions,
  EnqueueOptions,
  Held,
  QueueStore,
} from '../../queue/store.js';
import type {
  AttemptRecord,
  Message,
  MessageEvent,
  MessageFilter,
  NewMessage,
  Page,
  ProcessInfo,
  QueueStats,
} from '../../queue/types.js';
import { applyChanges, changeMany, lockRows, requestIds } from './change.js';
import { claimMany, sendClaim, takeClaimed } from './claim.js';
import { type EnqueueRequest, enqueueRequests } from './enqueue.js';
import * as log from './events.js';
import { isRetryable, storageFault } from './faults.js';
import * as fleet from './fleet.js';
import { expiredLeases, renewLeases } from './leases.js';
import { agePriorities, purgeBatch } from './maintenance.js';
import { countMessages, getMessage, getMessages, listMessages, nextDueAt, queuePosition } from './read.js';
import { stats } from './stats.js';
import { storable } from './text.js';
import { PostgresTraceStore } from './traces.js';
import { type LockKeys, Tx } from './tx.js';
import type { Wakeups } from './wakeups.js';
import { PostgresWebhookStore } from './webhooks.js';

/**
 * The error that failed a transaction: after a pipelined statement fails, the ones after it answer only "current
 * transaction is aborted" (25P02), so the failed one's error (a deadlock, say, which is run again) is the cause.
 */
async function rootCause(error: unknown, pending: Promise<unknown>[]): Promise<unknown> {
  if (
    (error as { code?: string } | null)?.code !== '25P02' &&
    !(error instanceof Error && error.message.startsWith('COMMIT answered'))
  )
    return error;
  for (const r of await Promise.allSettled(pending)) {
    if (r.status === 'rejected' && (r.reason as { code?: string } | null)?.code !== '25P02') return r.reason;
  }
  return error;
}

/** Most enqueue calls written in one transaction. */
const MAX_GROUP = 100;

/** Runs of one transaction when it keeps meeting deadlocks or serialization failures. */
const ATTEMPTS = 8;

export interface PostgresStoreParts {
  sql: Sql;
  orm: PostgresJsDatabase;
  keys: LockKeys;
  /** The NOTIFY channel of this schema's log. */
  channel: string;
  /** Sent with this store's notifications, which its own Wakeups ignore. */
  origin: string;
  wakeups: Wakeups;
}

export class PostgresQueueStore implements QueueStore {
  private readonly appendListeners = new Set<(events: MessageEvent[]) => void>();
  private readonly sql: Sql;
  /** The webhook tables on the same pool (src/webhooks). */
  readonly webhooks: PostgresWebhookStore;
  /** Messages' traceparents on the same pool (src/tracing). */
  readonly traces: PostgresTraceStore;
  private readonly enqueues: {
    request: EnqueueRequest;
    resolve: (out: { message: Message; created: boolean }[]) => void;
    reject: (error: unknown) => void;
  }[] = [];
  private enqueuing = false;

  constructor(private readonly parts: PostgresStoreParts) {
    this.sql = parts.sql;
    this.webhooks = new PostgresWebhookStore(parts.sql);
    this.traces = new PostgresTraceStore(parts.sql);
  }

  async enqueue(message: NewMessage, options: EnqueueOptions, now: Date) {
    const [one] = await this.grouped({ list: [message], options, now: now.getTime() });
    return one!;
  }

  async enqueueMany(list: NewMessage[], options: Omit<EnqueueOptions, 'claimFor'>, now: Date) {
    if (list.length === 0) return [];
    return this.grouped({ list, options, now: now.getTime() });
  }

  /**
   * Enqueues wait for the enqueue lock and a commit each, one after another; those that arrive while a group is
   * being written go together in the next transaction (one commit for all, each decided as if alone: enqueue.ts).
   */
  private grouped(request: EnqueueRequest): Promise<{ message: Message; created: boolean }[]> {
    return new Promise((resolve, reject) => {
      this.enqueues.push({ request, resolve, reject });
      if (!this.enqueuing) void this.writeEnqueues();
    });
  }

  private async writeEnqueues(): Promise<void> {
    this.enqueuing = true;
    while (this.enqueues.length > 0) {
      const group = this.enqueues.splice(0, MAX_GROUP);
      try {
        const results = await this.write((tx) =>
          enqueueRequests(
            tx,
            group.map((w) => w.request),
          ),
        );
        for (const [i, r] of results.entries()) {
          if (r.ok) group[i]!.resolve(r.out);
          else group[i]!.reject(r.error);
        }
      } catch (error) {
        if (group.length === 1) {
          group[0]!.reject(error);
          continue;
        }
        // One request's bad input fails the group's transaction: each again alone, so it fails alone.
        for (const w of group) {
          try {
            const [r] = await this.write((tx) => enqueueRequests(tx, [w.request]));
            if (r!.ok) w.resolve(r!.out);
            else w.reject(r!.error);
          } catch (alone) {
            w.reject(alone);
          }
        }
      }
    }
    this.enqueuing = false;
  }

  async claim(options: ClaimOptions): Promise<Message[]> {
    if (options.limit <= 0) return [];
    return this.write((tx) => claimMany(tx, options));
  }

  async change(requests: ChangeRequest[], now: Date): Promise<ChangeOutcome[]> {
    if (requests.length === 0) return [];
    return this.write((tx) => changeMany(tx, requests, now));
  }

  /**
   * The claim goes out with the batch's locking read, in a savepoint, so the transaction takes two round trips. It
   * passes over the batch's own messages (locked, about to change) and takes only PENDING ones; when the batch
   * makes one of its messages due again (a retry at once, a release), the claim did not see it: it is rolled back to
   * the savepoint and made again after the batch's changes (a third round trip, rarely).
   */
  async changeAndClaim(requests: ChangeRequest[], now: Date, claim: ClaimOptions) {
    return this.write(async (tx) => {
      if (requests.length === 0 || claim.limit <= 0) {
        const outcomes = requests.length > 0 ? await changeMany(tx, requests, now) : [];
        return { outcomes, claimed: await claimMany(tx, claim) };
      }
      const ids = requestIds(requests);
      const read = lockRows(tx, ids);
      tx.later(tx.sql`SAVEPOINT claim`);
      const taking = sendClaim(tx, claim, ids);
      // A handler now: if the read fails first, the claim's failure is not left unhandled.
      taking.catch(() => {});
      const { outcomes, writes } = applyChanges(tx, requests, await read, now);
      const due = claim.now.getTime();
      const requeued = outcomes.some(
        (o) => o.ok && o.message.status === 'PENDING' && (o.message.nextAttemptAt?.getTime() ?? 0) <= due,
      );
      if (!requeued) {
        for (const write of writes) tx.later(write);
        return { outcomes, claimed: takeClaimed(tx, await taking, claim) };
      }
      await taking;
      tx.later(tx.sql`ROLLBACK TO SAVEPOINT claim`);
      for (const write of writes) tx.later(write);
      return { outcomes, claimed: await claimMany(tx, claim) };
    });
  }

  onAppended(listener: (events: MessageEvent[]) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  async renewLeases(workerId: string, held: Held[], leaseMs: number, now: Date): Promise<string[]> {
    if (held.length === 0) return [];
    return this.run(() => renewLeases(this.sql, workerId, held, now.getTime() + leaseMs));
  }

  async expiredLeases(now: Date, limit: number): Promise<Held[]> {
    return this.read(() => expiredLeases(this.sql, now.getTime(), limit));
  }

  async get(id: string): Promise<Message | null> {
    if (!storable(id)) return null;
    return this.read(() => getMessage(this.sql, id));
  }

  async getMany(ids: string[]): Promise<Message[]> {
    // An id PostgreSQL cannot store names no message (a text parameter with U+0000 is an error).
    const known = ids.filter(storable);
    if (known.length === 0) return [];
    return this.read(() => getMessages(this.sql, known));
  }

  async list(filter: MessageFilter, page: Page): Promise<Message[]> {
    return this.read(() => listMessages(this.parts.orm, filter, page));
  }

  async count(filter: MessageFilter): Promise<number> {
    return this.read(() => countMessages(this.sql, this.parts.orm, filter));
  }

  async history(id: string, afterVersion: number): Promise<MessageEvent[]> {
    if (!storable(id)) return [];
    return this.read(() => log.history(this.sql, id, afterVersion));
  }

  async attemptsOf(id: string): Promise<AttemptRecord[]> {
    if (!storable(id)) return [];
    return this.read(() => log.attemptsOf(this.sql, id));
  }

  async eventsAfter(seq: number, limit: number): Promise<MessageEvent[]> {
    return this.read(() => log.eventsAfter(this.sql, seq, limit));
  }

  async lastEventSeq(): Promise<number> {
    return this.read(() => log.lastEventSeq(this.sql));
  }

  /** Moves on other processes' commits (LISTEN/NOTIFY), on every reconnect, and slowly while not listening. */
  async changeToken(): Promise<number> {
    return this.parts.wakeups.changeToken();
  }

  /** Called on each other process's NOTIFY, right after the token moved. */
  onWake(listener: () => void): () => void {
    return this.parts.wakeups.onWake(listener);
  }

  async stats(now: Date, maxSize: number): Promise<QueueStats> {
    return this.read(() => stats(this.sql, now.getTime(), maxSize));
  }

  async queuePosition(id: string, now: Date): Promise<number | null> {
    if (!storable(id)) return null;
    return this.read(() => queuePosition(this.sql, id, now.getTime()));
  }

  async nextDueAt(now: Date): Promise<Date | null> {
    return this.read(() => nextDueAt(this.sql, now.getTime()));
  }

  async agePriorities(now: Date, agingMs: number): Promise<number> {
    if (agingMs <= 0) return 0;
    return this.run(() => agePriorities(this.sql, now.getTime(), agingMs));
  }

  async purge(before: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.write((tx) => purgeBatch(tx, before.getTime()));
      total += n;
      if (n === 0) return total;
    }
  }

  async beat(process: ProcessInfo, now: Date): Promise<{ paused: boolean }> {
    return this.run(() => this.sql.begin((sql) => fleet.beat(sql, process, now.getTime())));
  }

  async processes(now: Date): Promise<ProcessInfo[]> {
    return this.read(() => fleet.liveProcesses(this.sql, now.getTime()));
  }

  async leave(processId: string): Promise<void> {
    await this.run(() => fleet.leave(this.sql, processId));
  }

  async setPaused(paused: boolean, now: Date): Promise<void> {
    await this.run(() => fleet.setPaused(this.sql, paused, now.getTime()));
  }

  async checkWritable(): Promise<void> {
    await this.run(async () => {
      const [row] = await this.sql<{ ro: boolean }[]>`SELECT
        current_setting('transaction_read_only') = 'on' OR pg_is_in_recovery() AS ro`;
      if (row!.ro) throw new StorageUnavailableError('the database is read-only');
    });
  }

  async close(): Promise<void> {
    await this.parts.wakeups.close();
    await this.sql.end({ timeout: 2 });
  }

  /**
   * Runs `body` in a transaction, appends its events last (events.ts) and commits; then hands the events to the
   * listeners. BEGIN and the final COMMIT are the pool's own (a reserved connection whose socket dropped could leave
   * its ROLLBACK waiting forever); the body's and the log's statements are pipelined, and so is a `COMMIT AND CHAIN`
   * after them, which commits the work in the log's round trip and opens an empty transaction for the pool's COMMIT
   * to end. The write resolves once the work is committed, without waiting for that empty COMMIT. A deadlock or
   * serialization failure runs it again from the start (nothing of it was kept).
   */
  private async write<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    const { keys, channel, origin } = this.parts;
    const { result, events } = await this.run(
      () =>
        new Promise<{ result: T; events: MessageEvent[] }>((resolve, reject) => {
          let committed = false;
          this.sql
            .begin(async (sql) => {
              const tx = new Tx(sql, keys);
              try {
                const result = await body(tx);
                const events = await log.appendLog(tx, { channel, origin }, async () => {
                  // In a failed transaction it answers ROLLBACK, without an error (and still opens the next one).
                  const done = await sql`COMMIT AND CHAIN`;
                  if (done.command !== 'COMMIT') throw new Error(`COMMIT answered ${done.command}`);
                });
                committed = true;
                resolve({ result, events });
              } catch (error) {
                throw await rootCause(error, tx.pending);
              }
            })
            // After the commit, a failure can only be the empty transaction's: the work is stored.
            .catch((error) => committed || reject(error));
        }),
    );
    if (events.length > 0) for (const listener of this.appendListeners) listener(events);
    return result;
  }

  /**
   * Runs a read that changes nothing: as `run`, and once more on a fresh connection when the pooled one it met had
   * been ended by the server meanwhile (nothing of it can have been applied).
   */
  private read<T>(work: () => Promise<T>): Promise<T> {
    return this.run(work, true);
  }

  /**
   * Runs `work`, again after a deadlock or serialization failure; maps connection failures to STORAGE_UNAVAILABLE.
   * `retryLost`: only through `read`.
   */
  private async run<T>(work: () => Promise<T>, retryLost = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (isRetryable(error) && attempt < ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
          continue;
        }
        const reason = storageFault(error);
        if (reason && retryLost && attempt === 1) continue;
        if (reason) throw new StorageUnavailableError(reason);
        throw error;
      }
    }
  }
}
