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
import { changeMany } from './change.js';
import { claimMany } from './claim.js';
import { enqueueMany } from './enqueue.js';
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

  constructor(private readonly parts: PostgresStoreParts) {
    this.sql = parts.sql;
    this.webhooks = new PostgresWebhookStore(parts.sql);
    this.traces = new PostgresTraceStore(parts.sql);
  }

  async enqueue(message: NewMessage, options: EnqueueOptions, now: Date) {
    const [one] = await this.write((tx) => enqueueMany(tx, [message], options, now.getTime()));
    return one!;
  }

  async enqueueMany(list: NewMessage[], options: Omit<EnqueueOptions, 'claimFor'>, now: Date) {
    if (list.length === 0) return [];
    return this.write((tx) => enqueueMany(tx, list, options, now.getTime()));
  }

  async claim(options: ClaimOptions): Promise<Message[]> {
    if (options.limit <= 0) return [];
    return this.write((tx) => claimMany(tx, options));
  }

  async change(requests: ChangeRequest[], now: Date): Promise<ChangeOutcome[]> {
    if (requests.length === 0) return [];
    return this.write((tx) => changeMany(tx, requests, now));
  }

  async changeAndClaim(requests: ChangeRequest[], now: Date, claim: ClaimOptions) {
    return this.write(async (tx) => {
      const outcomes = requests.length > 0 ? await changeMany(tx, requests, now) : [];
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
    return this.run(() => expiredLeases(this.sql, now.getTime(), limit));
  }

  async get(id: string): Promise<Message | null> {
    if (!storable(id)) return null;
    return this.run(() => getMessage(this.sql, id));
  }

  async getMany(ids: string[]): Promise<Message[]> {
    return this.run(() => getMessages(this.sql, ids));
  }

  async list(filter: MessageFilter, page: Page): Promise<Message[]> {
    return this.run(() => listMessages(this.parts.orm, filter, page));
  }

  async count(filter: MessageFilter): Promise<number> {
    return this.run(() => countMessages(this.sql, this.parts.orm, filter));
  }

  async history(id: string, afterVersion: number): Promise<MessageEvent[]> {
    if (!storable(id)) return [];
    return this.run(() => log.history(this.sql, id, afterVersion));
  }

  async attemptsOf(id: string): Promise<AttemptRecord[]> {
    if (!storable(id)) return [];
    return this.run(() => log.attemptsOf(this.sql, id));
  }

  async eventsAfter(seq: number, limit: number): Promise<MessageEvent[]> {
    return this.run(() => log.eventsAfter(this.sql, seq, limit));
  }

  async lastEventSeq(): Promise<number> {
    return this.run(() => log.lastEventSeq(this.sql));
  }

  /** Moves on other processes' commits (LISTEN/NOTIFY), on every reconnect, and slowly while not listening. */
  async changeToken(): Promise<number> {
    return this.parts.wakeups.changeToken();
  }

  async stats(now: Date, maxSize: number): Promise<QueueStats> {
    return this.run(() => stats(this.sql, now.getTime(), maxSize));
  }

  async queuePosition(id: string, now: Date): Promise<number | null> {
    if (!storable(id)) return null;
    return this.run(() => queuePosition(this.sql, id, now.getTime()));
  }

  async nextDueAt(now: Date): Promise<Date | null> {
    return this.run(() => nextDueAt(this.sql, now.getTime()));
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
    return this.run(() => fleet.liveProcesses(this.sql, now.getTime()));
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
   * listeners. A deadlock or serialization failure runs it again from the start (nothing of it was kept).
   */
  private async write<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    const { keys, channel, origin } = this.parts;
    const { result, events } = await this.run(() =>
      this.sql.begin(async (sql) => {
        const tx = new Tx(sql, keys);
        const result = await body(tx);
        return { result, events: await log.appendLog(tx, { channel, origin }) };
      }),
    );
    if (events.length > 0) for (const listener of this.appendListeners) listener(events);
    return result as T;
  }

  /** Runs `work`, again after a deadlock or serialization failure; maps connection failures to STORAGE_UNAVAILABLE. */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (isRetryable(error) && attempt < ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
          continue;
        }
        const reason = storageFault(error);
        if (reason) throw new StorageUnavailableError(reason);
        throw error;
      }
    }
  }
}
