// The SQLite QueueStore: assembles the statement families (one file each) over one better-sqlite3 connection.
//
// Every write runs in a BEGIN IMMEDIATE transaction (better-sqlite3's `.immediate()`): a DEFERRED one that reads
// first and writes later gets SQLITE_BUSY at once when another process wrote in between, past any busy timeout.
// Transaction bodies are synchronous, so no `await` can slip outside them, and each gets its own WriteTx.
import type Database from 'better-sqlite3';
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
import { prepareAppend } from './append.js';
import { prepareChange } from './change.js';
import { type Checkpointer, type CheckpointerOptions, startCheckpointer } from './checkpointer.js';
import { prepareClaim } from './claim.js';
import { prepareEnqueue } from './enqueue.js';
import { prepareEvents } from './events.js';
import { asStorageFault, guard } from './faults.js';
import { prepareFleet } from './fleet.js';
import { prepareLeases } from './leases.js';
import { LockWait } from './lock-wait.js';
import { prepareMaintenance } from './maintenance.js';
import { prepareReads } from './read.js';
import { RowCache } from './row-cache.js';
import { prepareStats } from './stats.js';
import { SqliteTraceStore } from './traces.js';
import { WriteTx } from './transaction.js';
import { SqliteWebhookStore } from './webhooks.js';

export interface StoreOptions {
  /**
   * `thread` (default): a worker thread checkpoints the log on its own connection (see checkpointer.ts), so no
   * commit blocks the event loop on a checkpoint. `sqlite`: SQLite's automatic checkpoint inside commits.
   */
  checkpoint?: 'thread' | 'sqlite';
  checkpointer?: Omit<CheckpointerOptions, 'onFailure'>;
  /**
   * How the queue's writes wait for another process's write lock. `sleep` (default): in SQLite's busy handler,
   * which stops the event loop meanwhile. `loop`: on the event loop (lock-wait.ts), for a process that serves the
   * API beside a worker in another process, whose writes would otherwise stall every request while they wait.
   */
  lockWait?: 'sleep' | 'loop';
}

function isWal(db: Database.Database): boolean {
  return String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
}

export class SqliteQueueStore implements QueueStore {
  private readonly enqueueTx;
  private readonly enqueueManyTx;
  private readonly claimTx;
  private readonly changeTx;
  private readonly changeAndClaimTx;
  private readonly leases;
  private readonly events;
  private readonly reads;
  private readonly figures;
  private readonly upkeep;
  private readonly fleet;
  private readonly beginWrite: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly checkpointStatement: Database.Statement;
  /**
   * Rows of the attempts this store took, so settling a message it just claimed need not read it back. Kept on
   * the store, across transactions, because it holds only committed rows and each use is checked (row-cache.ts).
   */
  private readonly known = new RowCache();
  private readonly appendListeners = new Set<(events: MessageEvent[]) => void>();
  /** The worker thread that checkpoints the log (file databases opened for writing), or null. */
  private readonly checkpointer: Checkpointer | null = null;
  /** Set with `lockWait: 'loop'`: the queue's writes wait for the lock through it. */
  private readonly lockWait: LockWait | null;
  /** The webhook tables on the same connection (src/webhooks). */
  readonly webhooks: SqliteWebhookStore;
  /** Messages' traceparents on the same connection (src/tracing). */
  readonly traces: SqliteTraceStore;

  constructor(
    private readonly db: Database.Database,
    options: StoreOptions = {},
  ) {
    if (options.checkpoint !== 'sqlite' && !db.memory && !db.readonly && isWal(db)) {
      // Checkpoints move off the event loop: this connection never checkpoints inside a commit any more.
      db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = startCheckpointer(db.name, () => this.checkpointInline(), {
        ...options.checkpointer,
        onFailure: () => {
          if (db.open) db.pragma('wal_autocheckpoint = 1000');
        },
      });
    }
    this.lockWait = options.lockWait === 'loop' && !db.memory ? new LockWait(db) : null;
    this.webhooks = new SqliteWebhookStore(db);
    this.traces = new SqliteTraceStore(db);
    this.beginWrite = db.prepare('BEGIN IMMEDIATE');
    this.rollback = db.prepare('ROLLBACK');
    this.checkpointStatement = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
    const flush = prepareAppend(db);
    const claims = prepareClaim(db);
    const { enqueueOne } = prepareEnqueue(db, claims);
    const { changeMany } = prepareChange(db, this.known);
    this.leases = prepareLeases(db);
    this.fleet = prepareFleet(db);
    this.events = prepareEvents(db);
    this.reads = prepareReads(db);
    this.figures = prepareStats(db);
    this.upkeep = prepareMaintenance(db, flush, () => this.checkpointer?.afterCommit());

    /** A write transaction over its own WriteTx, whose events and count moves are written at its end, inside it. */
    const tx = <A extends unknown[], R>(body: (t: WriteTx, ...args: A) => R) =>
      db.transaction((t: WriteTx, ...args: A): R => {
        const result = body(t, ...args);
        flush(t);
        return result;
      });
    this.enqueueTx = tx((t, m: NewMessage, options: EnqueueOptions, now: number) =>
      enqueueOne(t, m, options, now),
    );
    this.enqueueManyTx = tx((t, list: NewMessage[], options: EnqueueOptions, now: number) => {
      const owners = new Map<string, number>();
      return list.map((m) => enqueueOne(t, m, options, now, owners));
    });
    this.claimTx = tx(claims.claimMany);
    this.changeTx = tx(changeMany);
    // Settling and refilling the freed slots in one transaction halves the commits of a busy worker.
    this.changeAndClaimTx = tx((t, requests: ChangeRequest[], now: Date, claim: ClaimOptions) => ({
      outcomes: changeMany(t, requests, now),
      claimed: claims.claimMany(t, claim),
    }));
  }

  async enqueue(message: NewMessage, options: EnqueueOptions, now: Date) {
    return this.write((t) => this.enqueueTx.immediate(t, message, options, now.getTime()));
  }

  async enqueueMany(list: NewMessage[], options: EnqueueOptions, now: Date) {
    if (list.length === 0) return [];
    return this.write((t) => this.enqueueManyTx.immediate(t, list, options, now.getTime()));
  }

  async claim(options: ClaimOptions): Promise<Message[]> {
    if (options.limit <= 0) return [];
    return this.write((t) => this.claimTx.immediate(t, options));
  }

  async change(requests: ChangeRequest[], now: Date): Promise<ChangeOutcome[]> {
    if (requests.length === 0) return [];
    return this.write((t) => this.changeTx.immediate(t, requests, now));
  }

  async changeAndClaim(
    requests: ChangeRequest[],
    now: Date,
    claim: ClaimOptions,
  ): Promise<{ outcomes: ChangeOutcome[]; claimed: Message[] }> {
    return this.write((t) => this.changeAndClaimTx.immediate(t, requests, now, claim));
  }

  onAppended(listener: (events: MessageEvent[]) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  async renewLeases(workerId: string, held: Held[], leaseMs: number, now: Date): Promise<string[]> {
    if (held.length === 0) return [];
    return guard(() => this.leases.renewLeases(workerId, held, now.getTime() + leaseMs));
  }

  async expiredLeases(now: Date, limit: number): Promise<Held[]> {
    return guard(() => this.leases.expiredLeases(now.getTime(), limit));
  }

  async get(id: string): Promise<Message | null> {
    return guard(() => this.reads.get(id));
  }

  async getMany(ids: string[]): Promise<Message[]> {
    return guard(() => this.reads.getMany(ids));
  }

  async list(filter: MessageFilter, page: Page): Promise<Message[]> {
    return guard(() => this.reads.list(filter, page));
  }

  async count(filter: MessageFilter): Promise<number> {
    return guard(() => this.reads.count(filter));
  }

  async history(id: string, afterVersion: number): Promise<MessageEvent[]> {
    return guard(() => this.reads.history(id, afterVersion));
  }

  async attemptsOf(id: string): Promise<AttemptRecord[]> {
    return guard(() => this.reads.attemptsOf(id));
  }

  async eventsAfter(seq: number, limit: number): Promise<MessageEvent[]> {
    return guard(() => this.events.eventsAfter(seq, limit));
  }

  async lastEventSeq(): Promise<number> {
    return guard(() => this.events.lastEventSeq());
  }

  async changeToken(): Promise<number> {
    return guard(() => this.events.changeToken());
  }

  async stats(now: Date, maxSize: number): Promise<QueueStats> {
    return guard(() => this.figures.stats(now, maxSize));
  }

  async queuePosition(id: string, now: Date): Promise<number | null> {
    return guard(() => this.figures.queuePosition(id, now));
  }

  async nextDueAt(now: Date): Promise<Date | null> {
    return guard(() => this.figures.nextDueAt(now));
  }

  async agePriorities(now: Date, agingMs: number): Promise<number> {
    if (agingMs <= 0) return 0;
    return guard(() => this.upkeep.agePriorities(now.getTime(), agingMs));
  }

  async purge(before: Date): Promise<number> {
    return guard(() => this.upkeep.purge(before.getTime()));
  }

  async beat(process: ProcessInfo, now: Date): Promise<{ paused: boolean }> {
    return guard(() => this.fleet.beat(process, now.getTime()));
  }

  async processes(now: Date): Promise<ProcessInfo[]> {
    return guard(() => this.fleet.processes(now.getTime()));
  }

  async leave(processId: string): Promise<void> {
    guard(() => this.fleet.leave(processId));
  }

  async setPaused(paused: boolean, now: Date): Promise<void> {
    guard(() => this.fleet.setPaused(paused, now.getTime()));
  }

  async checkWritable(): Promise<void> {
    guard(() => {
      // Taking the write lock proves the file is writable and not held by another writer past the busy timeout.
      this.beginWrite.run();
      this.rollback.run();
    });
  }

  async close(): Promise<void> {
    await this.lockWait?.idle();
    await this.checkpointer?.stop();
    if (!this.db.open) return;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A checkpoint blocked by another process is harmless: the next opener checkpoints.
    }
    this.db.close();
  }

  /** A PASSIVE checkpoint on this connection: never waits; a busy checkpoint lock just means try later. */
  private checkpointInline(): void {
    try {
      this.checkpointStatement.get();
    } catch {
      // Busy or failing: the thread or the next commit tries again.
    }
  }

  /**
   * Runs a write transaction with a new WriteTx; once it has committed, keeps the rows it wrote in the row cache
   * and hands the events it appended to the listeners. A rollback drops the WriteTx and all it collected. With the
   * loop's lock wait, a refused transaction is run again later, from the start, with a new WriteTx.
   */
  private write<T>(run: (t: WriteTx) => T): T | Promise<T> {
    const attempt = () => {
      const t = new WriteTx(this.appendListeners.size > 0);
      return { t, result: run(t) };
    };
    if (!this.lockWait) return this.committed(guard(attempt));
    try {
      const outcome = this.lockWait.run(attempt, (done) => this.committed(done));
      return outcome instanceof Promise
        ? outcome.catch((error) => Promise.reject(asStorageFault(error)))
        : outcome;
    } catch (error) {
      throw asStorageFault(error);
    }
  }

  private committed<T>({ t, result }: { t: WriteTx; result: T }): T {
    this.known.commit(t.written);
    this.checkpointer?.afterCommit();
    const events = t.published;
    if (events && events.length > 0) for (const listener of this.appendListeners) listener(events);
    return result;
  }
}
