// The SQLite implementation of QueueStore: the only place with SQL for the embedded engine.
//
// Every write runs in a BEGIN IMMEDIATE transaction (better-sqlite3's `.immediate()`): a DEFERRED one that
// reads first and writes later gets SQLITE_BUSY at once when another process wrote in between, past any busy
// timeout. Transaction bodies are synchronous, so no `await` can slip outside them. The hot statements are
// prepared once; the cold, filter-shaped reads are built with Drizzle.
import type Database from 'better-sqlite3';
import { and, desc, eq, getTableColumns, inArray, lt, type SQL, sql } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { isDomainError, NotFoundError, QueueFullError, StorageUnavailableError } from '../queue/errors.js';
import type {
  ChangeOutcome,
  ChangeRequest,
  ClaimOptions,
  EnqueueOptions,
  Held,
  QueueStore,
} from '../queue/store.js';
import {
  type AttemptRecord,
  type Message,
  type MessageEvent,
  type MessageFilter,
  type NewMessage,
  type Page,
  PRIORITIES,
  type Priority,
  type QueueStats,
} from '../queue/types.js';
import { type Checkpointer, type CheckpointerOptions, startCheckpointer } from './checkpointer.js';
import { type Known, RowCache } from './row-cache.js';
import {
  changedColumns,
  type MessageRow,
  messageToRow,
  priorityName,
  rowReader,
  rowToMessage,
  snapshotRow,
  snapshotText,
  WRITABLE_KEYS,
} from './rows.js';
import { messages } from './schema.js';
import { BUCKET_MS, WriteBatch } from './write-batch.js';

const COLUMNS = Object.values(getTableColumns(messages)).map((c) => c.name);
/** Every column but seq, in the table's order, which is also changedColumns' bit order (rows.ts). */
const WRITABLE = WRITABLE_KEYS;
if (COLUMNS.filter((c) => c !== 'seq').join() !== WRITABLE.join())
  throw new Error('the messages columns differ from WRITABLE_KEYS (src/db/rows.ts)');
/**
 * The columns a claim sets, to values it binds or constants, in this order: its RETURNING leaves them out (each
 * column returned costs a conversion per row, ~3% of a drain for these six) and claimMany appends the values.
 */
const CLAIM_SETS = [
  'status',
  'started_at',
  'lease_owner',
  'lease_expires_at',
  'next_attempt_at',
  'progress',
] as const satisfies (keyof MessageRow)[];
/**
 * Columns a message waiting for its claim almost always holds at their defaults, with those defaults: the claim
 * returns them as one value, null while all are at their defaults (else a JSON array of them): 1.02x drain.
 */
const CLAIM_RARE: [keyof MessageRow, string | null][] = [
  ['completed_at', null],
  ['error_message', null],
  ['simulate', null],
  ['result', null],
  ['review_state', 'NOT_REQUIRED'],
  ['review_reasons', '[]'],
  ['reviewer', null],
  ['review_notes', null],
  ['review_decided_at', null],
];
const CLAIM_RARE_DEFAULTS = CLAIM_RARE.map(([, value]) => value);
const CLAIM_RETURNS = [
  ...COLUMNS.filter(
    (c) => !(CLAIM_SETS as readonly string[]).includes(c) && !CLAIM_RARE.some(([r]) => r === c),
  ),
  // Literal defaults only (above), so the SQL is built from constants.
  `CASE WHEN ${CLAIM_RARE.map(([c, d]) => (d === null ? `${c} IS NULL` : `${c} = '${d}'`)).join(' AND ')}
    THEN NULL ELSE json_array(${CLAIM_RARE.map(([c]) => c).join(', ')}) END AS rare`,
];
/** Messages read by one statement before a batch of changes (statements are prepared per count). */
const READ_CHUNK = 50;
const RECENT_MS = 5 * 60_000;
/**
 * How far the clocks of processes sharing the file may disagree. Retention finds its rows by seq, which follows
 * created_at only as far as the writers' clocks agree; the search reaches back this much further, and the exact
 * time filter still decides. The recent attempts count this far past now.
 */
const CLOCK_SKEW_MS = 60_000;
/**
 * A hot statement never binds a bare `LIMIT ?`: SQLite (3.47+) plans a LIMIT by the value bound to it, which
 * marks the statement to be compiled again whenever that parameter is bound, i.e. on every run (it was a
 * fifth of the claim's cost). `LIMIT ? + 0` is an expression, read at run time.
 */

export interface StoreOptions {
  /**
   * `thread` (default): a worker thread checkpoints the log on its own connection (see checkpointer.ts), so no
   * commit blocks the event loop on a checkpoint. `sqlite`: SQLite's automatic checkpoint inside commits.
   */
  checkpoint?: 'thread' | 'sqlite';
  checkpointer?: Omit<CheckpointerOptions, 'onFailure'>;
}

function isWal(db: Database.Database): boolean {
  return String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
}

interface EventRow {
  seq: number;
  message_id: string;
  version: number;
  at: number;
  kind: string;
  snapshot: string;
  /** The payload at this version, resolved by EVENT_COLUMNS (null for format-1 snapshots, which hold it). */
  payload: string | null;
}

/**
 * Events with the payload each stood with: a format-2 snapshot (a JSON array, see rows.ts) without a payload of
 * its own takes the nearest earlier version's, from that event's column or, before migration 0003, from its
 * format-1 snapshot (a JSON object). The walk back uses message_events_message_seq_version_idx.
 */
const EVENT_COLUMNS = `SELECT e.seq, e.message_id, e.version, e.at, e.kind, e.snapshot,
    CASE WHEN e.payload IS NOT NULL OR substr(e.snapshot, 1, 1) = '{' THEN e.payload ELSE (
      SELECT COALESCE(p.payload, p.snapshot ->> '$.payload') FROM message_events p
      WHERE p.message_seq = e.message_seq AND p.version < e.version
        AND (p.payload IS NOT NULL OR substr(p.snapshot, 1, 1) = '{')
      ORDER BY p.version DESC LIMIT 1) END AS payload
  FROM message_events e`;

interface AttemptRow {
  message_id: string;
  attempt: number;
  worker_id: string | null;
  started_at: number;
  ended_at: number;
  outcome: string;
  error: string | null;
}

export class SqliteQueueStore implements QueueStore {
  private readonly orm: BetterSQLite3Database;
  private readonly s;
  private readonly enqueueTx;
  private readonly enqueueManyTx;
  private readonly claimTx;
  private readonly changeTx;
  private readonly changeAndClaimTx;
  private readonly renewTx;
  /** UPDATE statements by the set of columns they write (a bit per WRITABLE column), prepared on first use. */
  private readonly updates = new Map<number, Database.Statement>();
  /** `SELECT ... WHERE id IN (?, ...)` by what is selected and the number of ids. */
  private readonly reads = new Map<string, Database.Statement>();
  /** Events (with the attempts they end) and count moves of the write transaction under way, written at its end. */
  private readonly batch: WriteBatch;
  /**
   * Rows of the messages a batch of changes touches, read in one statement at its start and kept current by each
   * change (the transaction holds the write lock, so nothing else moves them); null outside such a batch.
   */
  private current: Map<string, Current> | null = null;
  /** Rows of the attempts this store took: settling a message it just claimed need not read it all back. */
  private readonly known = new RowCache();
  private readonly appendListeners = new Set<(events: MessageEvent[]) => void>();
  /** Events appended by the write transaction under way, when someone listens; handed out after commit. */
  private appended: MessageEvent[] | null = null;
  /** Turns the arrays of the raw statements below (hot paths) into rows. */
  private readonly readRow: (values: unknown[]) => MessageRow;
  /** A row the claim returns, its `rare` value replaced by the CLAIM_RARE values, then the CLAIM_SETS values. */
  private readonly readClaimed: (values: unknown[]) => MessageRow;

  /** The worker thread that checkpoints the log (file databases opened for writing), or null. */
  private readonly checkpointer: Checkpointer | null = null;

  constructor(
    private readonly db: Database.Database,
    options: StoreOptions = {},
  ) {
    this.orm = drizzle({ client: db });
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
    const p = (text: string) => db.prepare(text);
    /** Hot statements returning whole rows read them as arrays (see rowReader). */
    const raw = (text: string) => db.prepare(text).raw(true);
    this.s = {
      byId: p('SELECT * FROM messages WHERE id = ?'),
      byIdRaw: raw('SELECT * FROM messages WHERE id = ?'),
      byKey: p('SELECT * FROM messages WHERE owner = ? AND idempotency_key = ?'),
      // Two primary-key lookups: less than half the cost of SUM over `status IN (...)` (an ephemeral IN table).
      // Walks the partial indexes of PENDING and PROCESSING messages, so its cost is bounded by MAX_QUEUE_SIZE
      // rather than by the owner's history (messages_owner_idx holds every retained message of the owner).
      activeOf: p(`SELECT
          (SELECT COUNT(*) FROM messages INDEXED BY messages_claim_idx WHERE status = 'PENDING' AND owner = @owner)
        + (SELECT COUNT(*) FROM messages INDEXED BY messages_lease_idx WHERE status = 'PROCESSING' AND owner = @owner)`).pluck(),
      active: p(`SELECT COALESCE((SELECT n FROM status_counts WHERE status = 'PENDING'), 0)
        + COALESCE((SELECT n FROM status_counts WHERE status = 'PROCESSING'), 0)`).pluck(),
      // Positional, without RETURNING: the row is what was bound, plus its seq (lastInsertRowid).
      insert: p(
        `INSERT INTO messages (${WRITABLE.join(', ')}) VALUES (${WRITABLE.map(() => '?').join(', ')})`,
      ),
      // One statement takes the head of messages_claim_idx: no read-then-write window for another process to
      // slip into, and the sub-select walks the partial index in order, so its cost does not grow with depth.
      claim: raw(`UPDATE messages
        SET status = 'PROCESSING', attempts = attempts + 1, version = version + 1, started_at = @now,
            lease_owner = @worker, lease_expires_at = @until, next_attempt_at = NULL, progress = NULL
        WHERE seq IN (
          SELECT seq FROM messages INDEXED BY messages_claim_idx
          WHERE status = 'PENDING' AND (next_attempt_at IS NULL OR next_attempt_at <= @now)
          ORDER BY effective_priority DESC, seq
          LIMIT @limit + 0)
        RETURNING ${CLAIM_RETURNS.join(', ')}`),
      claimOne: raw(`UPDATE messages
        SET status = 'PROCESSING', attempts = attempts + 1, version = version + 1, started_at = @now,
            lease_owner = @worker, lease_expires_at = @until, next_attempt_at = NULL, progress = NULL
        WHERE seq = @seq AND status = 'PENDING' RETURNING *`),
      renew: p(`UPDATE messages SET lease_expires_at = ?
        WHERE id = ? AND status = 'PROCESSING' AND attempts = ? AND lease_owner = ?`),
      expired: p(`SELECT id, attempts FROM messages INDEXED BY messages_lease_idx
        WHERE status = 'PROCESSING' AND lease_expires_at < ? ORDER BY lease_expires_at LIMIT ? + 0`),
      eventsAfter: p(`${EVENT_COLUMNS} WHERE e.seq > ? ORDER BY e.seq LIMIT ? + 0`),
      // By the message's seq, which the index is keyed by (looked up once through messages_id_idx).
      history: p(`${EVENT_COLUMNS}
        WHERE e.message_seq = (SELECT seq FROM messages WHERE id = ?) AND e.version > ? ORDER BY e.version`),
      lastEvent: p('SELECT COALESCE(MAX(seq), 0) AS seq FROM message_events'),
      // Those ended before migration 0006 (their own table) first, then those on events (schema.ts).
      attemptsOf:
        p(`SELECT message_id, attempt, worker_id, started_at, ended_at, outcome, error, 0 AS source, seq
          FROM attempts WHERE message_seq = @seq
        UNION ALL
        SELECT message_id, attempt, attempt_worker, attempt_started_at, at, attempt_outcome, attempt_error, 1, seq
          FROM message_events WHERE message_seq = @seq AND attempt_outcome IS NOT NULL
        ORDER BY attempt, source, seq`),
      seqOf: p('SELECT seq FROM messages WHERE id = ?').pluck(),
      counts: p('SELECT status, n FROM status_counts'),
      pendingByPriority: p(
        "SELECT priority, COUNT(*) AS n FROM messages WHERE status = 'PENDING' GROUP BY priority",
      ),
      oldestPending: p("SELECT MIN(created_at) AS at FROM messages WHERE status = 'PENDING'"),
      oldestStarted: p("SELECT MIN(started_at) AS at FROM messages WHERE status = 'PROCESSING'"),
      scheduled: p("SELECT COUNT(*) AS n FROM messages WHERE status = 'PENDING' AND next_attempt_at > ?"),
      reviewPending: p(
        "SELECT COUNT(*) AS n FROM messages INDEXED BY messages_review_idx WHERE review_state = 'PENDING'",
      ),
      // The buckets of the window (attempt_buckets, schema.ts): 31 rows at most, whatever the throughput.
      recent: p(`SELECT COALESCE(SUM(n), 0) AS n, SUM(failed) AS failed,
          SUM(completed_ms) * 1.0 / NULLIF(SUM(completed), 0) AS mean
        FROM attempt_buckets WHERE bucket BETWEEN ? AND ?`),
      // Probes of the search by time (firstSeqFrom): one rowid seek each.
      messageAt: p('SELECT seq, created_at AS at FROM messages WHERE seq >= ? ORDER BY seq LIMIT 1'),
      lastMessageSeq: p('SELECT COALESCE(MAX(seq), 0) FROM messages').pluck(),
      position: p(`SELECT COUNT(*) AS n FROM messages INDEXED BY messages_claim_idx
        WHERE status = 'PENDING' AND (effective_priority > @p OR (effective_priority = @p AND seq < @seq))
          AND (next_attempt_at IS NULL OR next_attempt_at <= @now)`),
      nextDue: p(
        "SELECT MIN(next_attempt_at) AS at FROM messages WHERE status = 'PENDING' AND next_attempt_at > ?",
      ),
      // JS numbers bind as REAL, so the division is cast: a rank is a whole level, never 3.00003.
      age: p(`UPDATE messages
        SET effective_priority = MIN(4, priority + CAST((@now - queued_at) / @aging AS INTEGER))
        WHERE status = 'PENDING' AND effective_priority < 4 AND queued_at <= @now - @aging
          AND MIN(4, priority + CAST((@now - queued_at) / @aging AS INTEGER)) > effective_priority`),
      // Walks messages_finished_idx (its literal term beside the two statuses purged) up to a seq found by time:
      // a message finished before the cut-off was created before it. Dead letters (FAILED) are never walked.
      purgeBatch: p(`SELECT seq, id, status FROM messages INDEXED BY messages_finished_idx
        WHERE ${FINISHED_INDEX_TERM} AND status IN ('COMPLETED', 'CANCELLED')
          AND seq < ? AND completed_at < ? AND review_state <> 'PENDING' LIMIT 500`),
      purgeEvents: p('DELETE FROM message_events WHERE message_seq = ?'),
      purgeAttempts: p('DELETE FROM attempts WHERE message_seq = ?'),
      purgeMessage: p('DELETE FROM messages WHERE seq = ?'),
      dataVersion: p('PRAGMA data_version').pluck(),
      beginWrite: p('BEGIN IMMEDIATE'),
      rollback: p('ROLLBACK'),
      checkpoint: p('PRAGMA wal_checkpoint(PASSIVE)'),
      rowsIn: (count: number) => this.selectStatement('*', count),
    };
    this.readRow = rowReader(this.s.byIdRaw.columns().map((c) => c.name));
    const returned = this.s.claim.columns().map((c) => c.name);
    // claimMany pops `rare` off the end of each row.
    if (returned.pop() !== 'rare') throw new Error('the claim must return `rare` last');
    this.readClaimed = rowReader([...returned, ...CLAIM_RARE.map(([c]) => c), ...CLAIM_SETS]);
    this.batch = new WriteBatch(db);
    /** A write transaction whose events and count moves are written at its end, inside it. */
    const tx = <A extends unknown[], R>(body: (...args: A) => R) =>
      db.transaction((...args: A): R => {
        this.batch.begin(this.appended);
        this.known.discard();
        this.current = null;
        try {
          const result = body(...args);
          this.batch.flush();
          return result;
        } finally {
          this.current = null;
        }
      });

    /** `owners`: the active count of each owner this batch has counted, kept current by the batch. */
    const enqueueOne = (
      m: NewMessage,
      options: EnqueueOptions,
      now: number,
      owners?: Map<string, number>,
    ) => {
      if (m.idempotencyKey !== null) {
        const existing = this.s.byKey.get(m.owner, m.idempotencyKey) as MessageRow | undefined;
        if (existing) return { message: rowToMessage(existing), created: false };
      }
      const active = (this.s.active.get() as number) + this.batch.activeDelta();
      if (active >= options.maxSize) throw new QueueFullError(options.maxSize);
      // Counted inside the transaction (one writer), so exact under concurrency; a batch counts once per owner
      // and adds its own messages as it goes.
      if (options.maxPerOwner !== undefined) {
        const held = owners?.get(m.owner) ?? (this.s.activeOf.get({ owner: m.owner }) as number);
        if (held >= options.maxPerOwner) throw new QueueFullError(options.maxPerOwner, 'owner');
        owners?.set(m.owner, held + 1);
      }
      // The message as stored, built from the submission rather than read back: the row is exactly what is bound.
      const message: Message = {
        id: m.id,
        seq: 0,
        status: 'PENDING',
        priority: m.priority,
        effectivePriority: m.priority,
        createdAt: m.createdAt,
        queuedAt: m.createdAt,
        startedAt: null,
        completedAt: null,
        errorMessage: null,
        retryCount: 0,
        maxRetries: m.maxRetries,
        timeoutSeconds: m.timeoutSeconds,
        nextAttemptAt: null,
        deadLettered: false,
        version: 1,
        attempts: 0,
        leaseOwner: null,
        leaseExpiresAt: null,
        payload: m.payload,
        useAgentic: m.useAgentic,
        simulate: m.simulate,
        result: null,
        progress: null,
        review: { state: 'NOT_REQUIRED', reasons: [], reviewer: null, notes: null, decidedAt: null },
        owner: m.owner,
        idempotencyKey: m.idempotencyKey,
      };
      const row = messageToRow(message);
      const values: unknown[] = new Array(WRITABLE.length);
      for (let i = 0; i < WRITABLE.length; i++) values[i] = row[WRITABLE[i]!];
      row.seq = message.seq = Number(this.s.insert.run(...values).lastInsertRowid);
      this.batch.moved(null, 'PENDING');
      this.appendEvent(row, now, 'enqueued', message, true);
      if (!options.claimFor) return { message, created: true };
      const claimedRow = this.readRow(
        this.s.claimOne.get({
          seq: row.seq,
          now,
          worker: options.claimFor.workerId,
          until: now + options.claimFor.leaseMs,
        }) as unknown[],
      );
      this.batch.moved('PENDING', 'PROCESSING');
      const claimed = rowToMessage(claimedRow);
      this.appendEvent(claimedRow, now, 'claimed', claimed);
      return { message: claimed, created: true };
    };
    this.enqueueTx = tx((m: NewMessage, options: EnqueueOptions, now: number) => enqueueOne(m, options, now));

    this.enqueueManyTx = tx((list: NewMessage[], options: EnqueueOptions, now: number) => {
      const owners = new Map<string, number>();
      return list.map((m) => enqueueOne(m, options, now, owners));
    });

    const claimMany = (o: ClaimOptions): Message[] => {
      if (o.limit <= 0) return [];
      const now = o.now.getTime();
      const until = now + o.leaseMs;
      const rows = (this.s.claim.all({ now, worker: o.workerId, until, limit: o.limit }) as unknown[][]).map(
        (values) => {
          const rare = values.pop() as string | null;
          values.push(...(rare === null ? CLAIM_RARE_DEFAULTS : (JSON.parse(rare) as unknown[])));
          // What the claim set, in CLAIM_SETS order.
          values.push('PROCESSING', now, o.workerId, until, null, null);
          return this.readClaimed(values);
        },
      );
      // RETURNING gives no order; hand the messages out in take order.
      rows.sort((a, b) => b.effective_priority - a.effective_priority || a.seq - b.seq);
      this.batch.moved('PENDING', 'PROCESSING', rows.length);
      return rows.map((row) => {
        const message = rowToMessage(row);
        this.known.stage(row, message);
        this.appendEvent(row, now, 'claimed', message);
        return message;
      });
    };
    this.claimTx = tx(claimMany);

    const changeMany = (requests: ChangeRequest[], now: Date): ChangeOutcome[] => {
      this.current = this.readMany(requests);
      const outcomes = requests.map((request) => this.changeOne(request, now));
      this.current = null;
      return outcomes;
    };
    this.changeTx = tx(changeMany);

    // Settling and refilling the freed slots in one transaction halves the commits of a busy worker.
    this.changeAndClaimTx = tx((requests: ChangeRequest[], now: Date, claim: ClaimOptions) => ({
      outcomes: changeMany(requests, now),
      claimed: claimMany(claim),
    }));

    this.renewTx = db.transaction((workerId: string, held: Held[], until: number) =>
      held.filter((h) => this.s.renew.run(until, h.id, h.attempts, workerId).changes === 0).map((h) => h.id),
    );
  }

  async enqueue(message: NewMessage, options: EnqueueOptions, now: Date) {
    return this.write(() => this.enqueueTx.immediate(message, options, now.getTime()));
  }

  async enqueueMany(list: NewMessage[], options: EnqueueOptions, now: Date) {
    if (list.length === 0) return [];
    return this.write(() => this.enqueueManyTx.immediate(list, options, now.getTime()));
  }

  async claim(options: ClaimOptions): Promise<Message[]> {
    if (options.limit <= 0) return [];
    return this.write(() => this.claimTx.immediate(options));
  }

  async change(requests: ChangeRequest[], now: Date): Promise<ChangeOutcome[]> {
    if (requests.length === 0) return [];
    return this.write(() => this.changeTx.immediate(requests, now));
  }

  async changeAndClaim(
    requests: ChangeRequest[],
    now: Date,
    claim: ClaimOptions,
  ): Promise<{ outcomes: ChangeOutcome[]; claimed: Message[] }> {
    return this.write(() => this.changeAndClaimTx.immediate(requests, now, claim));
  }

  onAppended(listener: (events: MessageEvent[]) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  async renewLeases(workerId: string, held: Held[], leaseMs: number, now: Date): Promise<string[]> {
    if (held.length === 0) return [];
    return this.guard(() => this.renewTx.immediate(workerId, held, now.getTime() + leaseMs));
  }

  async expiredLeases(now: Date, limit: number): Promise<Held[]> {
    return this.guard(() => this.s.expired.all(now.getTime(), limit) as Held[]);
  }

  async get(id: string): Promise<Message | null> {
    return this.guard(() => {
      const row = this.s.byId.get(id) as MessageRow | undefined;
      return row ? rowToMessage(row) : null;
    });
  }

  async list(filter: MessageFilter, page: Page): Promise<Message[]> {
    return this.guard(() => {
      const where = this.filterSql(filter, page.beforeSeq);
      const rows = this.orm
        .select()
        .from(messages)
        .where(where)
        .orderBy(desc(messages.seq))
        .limit(page.limit)
        .all();
      return rows.map((r) => rowToMessage(this.ormRowToRow(r)));
    });
  }

  async count(filter: MessageFilter): Promise<number> {
    return this.guard(() => {
      if (onlyStatuses(filter)) {
        // Kept exact by the triggers in every transaction: O(1) instead of a count over the queue.
        const wanted = new Set<string>(filter.statuses);
        return (this.s.counts.all() as { status: string; n: number }[])
          .filter((r) => wanted.has(r.status))
          .reduce((sum, r) => sum + r.n, 0);
      }
      const [row] = this.orm
        .select({ n: sql<number>`count(*)` })
        .from(messages)
        .where(this.filterSql(filter))
        .all();
      return row?.n ?? 0;
    });
  }

  async history(id: string, afterVersion: number): Promise<MessageEvent[]> {
    return this.guard(() => (this.s.history.all(id, afterVersion) as EventRow[]).map(toEvent));
  }

  async attemptsOf(id: string): Promise<AttemptRecord[]> {
    return this.guard(() => {
      const seq = this.s.seqOf.get(id) as number | undefined;
      return seq === undefined ? [] : (this.s.attemptsOf.all({ seq }) as AttemptRow[]).map(toAttempt);
    });
  }

  async eventsAfter(seq: number, limit: number): Promise<MessageEvent[]> {
    return this.guard(() => (this.s.eventsAfter.all(seq, limit) as EventRow[]).map(toEvent));
  }

  async lastEventSeq(): Promise<number> {
    return this.guard(() => (this.s.lastEvent.get() as { seq: number }).seq);
  }

  async changeToken(): Promise<number> {
    return this.guard(() => this.s.dataVersion.get() as number);
  }

  async stats(now: Date, maxSize: number): Promise<QueueStats> {
    return this.guard(() => {
      const counts = Object.fromEntries(
        (this.s.counts.all() as { status: string; n: number }[]).map((r) => [r.status, r.n]),
      ) as Record<string, number>;
      const byPriority: Record<Priority, number> = { URGENT: 0, HIGH: 0, NORMAL: 0, LOW: 0 };
      for (const r of this.s.pendingByPriority.all() as { priority: number; n: number }[]) {
        byPriority[priorityName(r.priority)] = r.n;
      }
      const oldest = (this.s.oldestPending.get() as { at: number | null }).at;
      const started = (this.s.oldestStarted.get() as { at: number | null }).at;
      const since = now.getTime() - RECENT_MS;
      // From the bucket holding `since` (up to 10 s more than the 5 minutes) to now, and a minute past it for the
      // attempts of a writer whose clock leads.
      const from = Math.floor(since / BUCKET_MS);
      const to = Math.floor((now.getTime() + CLOCK_SKEW_MS) / BUCKET_MS);
      const recent = this.s.recent.get(from, to) as {
        n: number;
        failed: number | null;
        mean: number | null;
      };
      const failed = counts.FAILED ?? 0;
      return {
        pendingCount: counts.PENDING ?? 0,
        processingCount: counts.PROCESSING ?? 0,
        completedCount: counts.COMPLETED ?? 0,
        failedCount: failed,
        cancelledCount: counts.CANCELLED ?? 0,
        // FAILED always means dead-lettered (a retry waits as PENDING), so the two counts are one figure.
        deadLetterCount: failed,
        maxSize,
        oldestPending: oldest === null ? null : new Date(oldest),
        longestProcessing: started === null ? null : Math.max(0, (now.getTime() - started) / 1000),
        pendingByPriority: byPriority,
        meanProcessingMs: recent.mean,
        recentErrorRate: recent.n > 0 ? (recent.failed ?? 0) / recent.n : null,
        recentAttempts: recent.n,
        scheduledRetries: (this.s.scheduled.get(now.getTime()) as { n: number }).n,
        reviewPendingCount: (this.s.reviewPending.get() as { n: number }).n,
      };
    });
  }

  async queuePosition(id: string, now: Date): Promise<number | null> {
    return this.guard(() => {
      const row = this.s.byId.get(id) as MessageRow | undefined;
      const t = now.getTime();
      if (row?.status !== 'PENDING' || (row.next_attempt_at !== null && row.next_attempt_at > t)) return null;
      const ahead = this.s.position.get({ p: row.effective_priority, seq: row.seq, now: t }) as { n: number };
      return ahead.n + 1;
    });
  }

  async nextDueAt(now: Date): Promise<Date | null> {
    return this.guard(() => {
      const at = (this.s.nextDue.get(now.getTime()) as { at: number | null }).at;
      return at === null ? null : new Date(at);
    });
  }

  async agePriorities(now: Date, agingMs: number): Promise<number> {
    if (agingMs <= 0) return 0;
    return this.guard(() => this.s.age.run({ now: now.getTime(), aging: agingMs }).changes);
  }

  async purge(before: Date): Promise<number> {
    return this.guard(() => {
      const cutoff = before.getTime();
      const below = firstSeqFrom(
        this.s.messageAt,
        this.s.lastMessageSeq.get() as number,
        cutoff + CLOCK_SKEW_MS,
      );
      // Short batches, each its own transaction, so clean-up never holds the write lock for long.
      const batch = this.db.transaction(() => {
        this.batch.begin(null);
        const rows = this.s.purgeBatch.all(below, cutoff) as { seq: number; id: string; status: string }[];
        for (const r of rows) {
          this.s.purgeEvents.run(r.seq);
          this.s.purgeAttempts.run(r.seq);
          this.s.purgeMessage.run(r.seq);
          this.batch.moved(r.status, null);
        }
        this.batch.flush();
        return rows.length;
      });
      let total = 0;
      for (let n = batch.immediate(); n > 0; n = batch.immediate()) {
        total += n;
        this.checkpointer?.afterCommit();
      }
      return total;
    });
  }

  async checkWritable(): Promise<void> {
    this.guard(() => {
      // Taking the write lock proves the file is writable and not held by another writer past the busy timeout.
      this.s.beginWrite.run();
      this.s.rollback.run();
    });
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    if (!this.db.open) return;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A checkpoint blocked by another process is harmless: the next opener checkpoints.
    }
    this.db.close();
  }

  /**
   * Reads the message, applies its transition, writes back with version + 1 only the columns that changed
   * (so SQLite leaves alone every index whose columns did not), and appends the event.
   */
  private changeOne(request: ChangeRequest, now: Date): ChangeOutcome {
    let known = this.current?.get(request.id);
    if (!known) {
      const values = this.s.byIdRaw.get(request.id) as unknown[] | undefined;
      if (!values) return { ok: false, skipped: false, error: new NotFoundError(request.id) };
      const read = this.readRow(values);
      known = { row: read, message: rowToMessage(read), checked: true };
    }
    const { row, message: current } = known;
    let next: ReturnType<ChangeRequest['transition']>;
    try {
      next = request.transition(current, now);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      if (!known.checked) return this.changeAgain(request, now);
      return { ok: false, skipped: false, error };
    }
    if (next === null) {
      if (!known.checked) return this.changeAgain(request, now);
      return { ok: false, skipped: true, current };
    }
    // A transition returns a message of its own (see transitions.ts): stamped here rather than copied again. The
    // message read may be shared (a claim handed it out), so one passed back unchanged is copied first.
    const message = next.message === current ? { ...current } : next.message;
    message.seq = row.seq;
    message.version = row.version + 1;
    const written = messageToRow(message, { message: current, row });
    const values: unknown[] = [];
    const changed = changedColumns(written, row, values);
    values.push(row.seq);
    // Spread: see WriteBatch.flush.
    if (known.checked) this.updateOf(changed, false).run(...values);
    else {
      // A remembered row holds only if the stored one is still it: same version, and the same two columns that
      // move without a new version. If not, nothing was written: read the row and apply the transition to it.
      values.push(row.version, row.lease_expires_at, row.effective_priority);
      if (this.updateOf(changed, true).run(...values).changes === 0) return this.changeAgain(request, now);
    }
    this.current?.set(request.id, { row: written, message, checked: true });
    this.known.stage(written, message);
    this.batch.moved(row.status, written.status);
    this.appendEvent(
      written,
      now.getTime(),
      next.kind,
      message,
      written.payload !== row.payload,
      next.attempt,
    );
    return { ok: true, message };
  }

  /** `SELECT <columns> FROM messages WHERE id IN (?, ...)` for `count` ids, prepared on first use. */
  private selectStatement(columns: string, count: number): Database.Statement {
    const key = `${columns}:${count}`;
    let statement = this.reads.get(key);
    if (!statement) {
      const marks = Array.from({ length: count }, () => '?').join(', ');
      statement = this.db.prepare(`SELECT ${columns} FROM messages WHERE id IN (${marks})`).raw(true);
      this.reads.set(key, statement);
    }
    return statement;
  }

  /**
   * `UPDATE messages SET <columns> WHERE seq = ?`, one prepared statement per column set (a bit per WRITABLE
   * column), bound by position: the changed values in WRITABLE order, then the seq.
   */
  private updateOf(mask: number, guarded: boolean): Database.Statement {
    const key = mask * 2 + (guarded ? 1 : 0);
    let statement = this.updates.get(key);
    if (!statement) {
      const columns = WRITABLE.filter((_, i) => mask & (1 << i));
      const guard = guarded ? ' AND version = ? AND lease_expires_at IS ? AND effective_priority = ?' : '';
      statement = this.db.prepare(
        `UPDATE messages SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE seq = ?${guard}`,
      );
      this.updates.set(key, statement);
    }
    return statement;
  }

  /** The change again, from the row as stored: what was remembered of it (row-cache.ts) was out of date. */
  private changeAgain(request: ChangeRequest, now: Date): ChangeOutcome {
    this.current?.delete(request.id);
    return this.changeOne(request, now);
  }

  /**
   * The rows of the messages that `requests` change: a row this store remembers (row-cache.ts) is taken as it is,
   * unchecked, and checked by the UPDATE that writes the change (see changeOne); the others are read, 50 a statement.
   */
  private readMany(requests: ChangeRequest[]): Map<string, Current> {
    const rows = new Map<string, Current>();
    const unknown = new Set<string>();
    for (const { id } of requests) {
      if (rows.has(id)) continue;
      const known = this.known.get(id);
      if (known) rows.set(id, { row: known.row, message: known.message, checked: false });
      else unknown.add(id);
    }
    for (const values of this.selectIn(this.s.rowsIn, [...unknown])) {
      const row = this.readRow(values);
      rows.set(row.id, { row, message: rowToMessage(row), checked: true });
    }
    return rows;
  }

  /** Runs `SELECT ... WHERE id IN (?, ...)` (a prepared statement per count, 50 ids at most each) over `ids`. */
  private selectIn(select: (count: number) => Database.Statement, ids: string[]): unknown[][] {
    if (ids.length === 0) return [];
    const out: unknown[][] = [];
    for (let start = 0; start < ids.length; start += READ_CHUNK) {
      const part = ids.length <= READ_CHUNK ? ids : ids.slice(start, start + READ_CHUNK);
      for (const values of select(part.length).all(part) as unknown[][]) out.push(values);
    }
    return out;
  }

  /**
   * Appends the event of a change; `message` is the row as a Message, handed to listeners after commit. The
   * payload is stored with the event only when this change set it (`newPayload`); see snapshotRow.
   */
  private appendEvent(
    row: MessageRow,
    at: number,
    kind: string,
    message: Message,
    newPayload = false,
    attempt?: AttemptRecord,
  ): void {
    this.batch.event(
      row.id,
      row.seq,
      row.version,
      at,
      kind,
      snapshotText(row),
      newPayload ? row.payload : null,
      attempt,
      this.batch.publishing
        ? { seq: 0, messageId: row.id, version: row.version, at: new Date(at), kind, message }
        : null,
    );
  }

  /** A PASSIVE checkpoint on this connection: never waits; a busy checkpoint lock just means try later. */
  private checkpointInline(): void {
    try {
      this.s.checkpoint.get();
    } catch {
      // Busy or failing: the thread or the next commit tries again.
    }
  }

  /** Runs a write transaction; once it has committed, hands the events it appended to the listeners. */
  private write<T>(work: () => T): T {
    const listening = this.appendListeners.size > 0;
    if (listening) this.appended = [];
    try {
      let result: T;
      try {
        result = this.guard(work);
      } catch (error) {
        this.known.discard();
        throw error;
      }
      this.known.commit();
      this.checkpointer?.afterCommit();
      const events = this.appended;
      this.appended = null;
      if (listening && events && events.length > 0) {
        for (const listener of this.appendListeners) listener(events);
      }
      return result;
    } finally {
      this.appended = null;
    }
  }

  private filterSql(filter: MessageFilter, beforeSeq?: number): SQL | undefined {
    const parts: (SQL | undefined)[] = [
      filter.statuses?.length ? inArray(messages.status, filter.statuses) : undefined,
      filter.statuses?.length ? statusIndexTerm(filter.statuses) : undefined,
      filter.priorities?.length
        ? inArray(
            messages.priority,
            filter.priorities.map((p) => PRIORITIES[p]),
          )
        : undefined,
      filter.owner !== undefined ? eq(messages.owner, filter.owner) : undefined,
      filter.deadLettered !== undefined ? eq(messages.deadLettered, filter.deadLettered ? 1 : 0) : undefined,
      filter.reviewState !== undefined ? eq(messages.reviewState, filter.reviewState) : undefined,
      beforeSeq !== undefined ? lt(messages.seq, beforeSeq) : undefined,
    ];
    return and(...parts);
  }

  private ormRowToRow(r: typeof messages.$inferSelect): MessageRow {
    const out: Record<string, unknown> = {};
    const columns = getTableColumns(messages);
    for (const [key, column] of Object.entries(columns)) out[column.name] = r[key as keyof typeof r];
    return out as unknown as MessageRow;
  }

  /** Maps the engine's "cannot write now" failures to STORAGE_UNAVAILABLE; everything else passes through. */
  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      const reason = storageFault(error);
      if (reason) throw new StorageUnavailableError(reason);
      throw error;
    }
  }
}

/** A row about to be changed; unless `checked`, it is what this store remembers, to be confirmed by the write. */
interface Current extends Known {
  checked: boolean;
}

const FINISHED = new Set<string>(['COMPLETED', 'FAILED', 'CANCELLED']);
/** messages_finished_idx's WHERE term as written in src/db/schema.ts (see statusIndexTerm). */
const FINISHED_INDEX_TERM = "status IN ('COMPLETED', 'FAILED', 'CANCELLED')";

/**
 * The first seq (up to last + 1) whose row's time is at or after `at`, by binary search over seq: rows are
 * written in time order, so this costs a few dozen rowid seeks where an index on the time would be moved by
 * every write. Gaps left by purged rows are stepped over; rows out of order by clock skew only shift the answer,
 * which callers allow for.
 */
function firstSeqFrom(probe: Database.Statement, last: number, at: number): number {
  let lo = 1;
  let hi = last + 1;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const row = probe.get(mid) as { seq: number; at: number } | undefined;
    if (row === undefined || row.at >= at) hi = mid;
    else lo = row.seq + 1;
  }
  return lo;
}

/**
 * The literal WHERE term of the partial index that serves a status filter. SQLite uses a partial index only
 * when the query holds its WHERE term as written (with literals, not bound parameters), so the filter, bound
 * as usual, gets this term beside it: finished statuses walk messages_finished_idx, PENDING the claim index and
 * PROCESSING the lease index. A mix of active and finished statuses walks the table by seq.
 */
function statusIndexTerm(statuses: readonly string[]): SQL | undefined {
  if (statuses.every((s) => FINISHED.has(s))) return sql.raw(FINISHED_INDEX_TERM);
  if (statuses.every((s) => s === 'PENDING')) return sql.raw(`status = 'PENDING'`);
  if (statuses.every((s) => s === 'PROCESSING')) return sql.raw(`status = 'PROCESSING'`);
  return undefined;
}

function onlyStatuses(filter: MessageFilter): filter is MessageFilter & { statuses: string[] } {
  return (
    filter.statuses !== undefined &&
    filter.statuses.length > 0 &&
    !filter.priorities?.length &&
    filter.owner === undefined &&
    filter.deadLettered === undefined &&
    filter.reviewState === undefined
  );
}

const FAULTS: [RegExp, string][] = [
  [/^SQLITE_FULL/, 'the database is full'],
  [/^SQLITE_READONLY/, 'the database is read-only'],
  [/^SQLITE_(BUSY|LOCKED)/, 'the database is locked by another writer'],
  [/^SQLITE_(IOERR|CANTOPEN|NOTADB|CORRUPT|PERM)/, 'the database file cannot be used'],
];

function storageFault(error: unknown): string | null {
  if (error instanceof TypeError && /database connection is not open/.test(error.message))
    return 'the database is closed';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  return FAULTS.find(([pattern]) => pattern.test(code))?.[1] ?? null;
}

function toEvent(r: EventRow): MessageEvent {
  return {
    seq: r.seq,
    messageId: r.message_id,
    version: r.version,
    at: new Date(r.at),
    kind: r.kind,
    message: rowToMessage(snapshotRow(r.snapshot, r.payload, r.message_id)),
  };
}

function toAttempt(r: AttemptRow): AttemptRecord {
  return {
    messageId: r.message_id,
    attempt: r.attempt,
    workerId: r.worker_id,
    startedAt: new Date(r.started_at),
    endedAt: new Date(r.ended_at),
    outcome: r.outcome as AttemptRecord['outcome'],
    error: r.error,
  };
}
