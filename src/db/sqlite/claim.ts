// Claims: the due PENDING messages at the head of the claim index, taken and leased by one UPDATE.
import type Database from 'better-sqlite3';
import type { ClaimOptions, EnqueueOptions } from '../../queue/store.js';
import type { Message } from '../../queue/types.js';
import { dueTerm } from '../due.js';
import { type MessageRow, rowReader, rowToMessage } from '../rows.js';
import { CLAIM_INDEX_TERM, COLUMNS } from './tables.js';
import type { WriteTx } from './transaction.js';

/** Waiting messages made claimable by one claim at most: a backlog that fell due at once moves in over a few. */
const PROMOTE_LIMIT = 500;

/**
 * The columns a claim sets, to values it binds or constants, in this order: its RETURNING leaves them out (each
 * column returned costs a conversion per row) and claimMany appends the values.
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
 * returns them as one value, null while all are at their defaults (else a JSON array of them).
 */
const CLAIM_RARE: [keyof MessageRow, string | null][] = [
  ['completed_at', null],
  ['error_message', null],
  ['options', null],
  ['result', null],
  ['review_state', 'NOT_REQUIRED'],
  ['review_reasons', '[]'],
  ['reviewer', null],
  ['review_notes', null],
  ['review_decided_at', null],
  ['checkpoint', null],
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

export type ClaimStatements = ReturnType<typeof prepareClaim>;

export function prepareClaim(db: Database.Database) {
  // One statement takes the head of messages_claim_idx: no read-then-write window for another process to slip
  // into, and the sub-select walks the partial index in order, so its cost does not grow with depth. A paused
  // fleet (fleet_state) takes nothing: the pause is read in the claim itself, so it holds in every process at once.
  // `LIMIT @limit + 0`, never a bare bound LIMIT: SQLite (3.47+) plans a LIMIT by the value bound to it, which
  // recompiles the statement on every run; an expression is read at run time. (Every hot LIMIT here does the same.)
  const claim = db
    .prepare(`UPDATE messages
      SET status = 'PROCESSING', attempts = attempts + 1, version = version + 1, started_at = @now,
          lease_owner = @worker, lease_expires_at = @until, next_attempt_at = NULL, progress = NULL
      WHERE seq IN (
        SELECT seq FROM messages INDEXED BY messages_claim_idx
        WHERE ${CLAIM_INDEX_TERM} AND ${dueTerm('@now')}
          AND NOT EXISTS (SELECT 1 FROM fleet_state WHERE paused = 1)
        ORDER BY effective_priority DESC, fair_round, seq
        LIMIT @limit + 0)
      RETURNING ${CLAIM_RETURNS.join(', ')}`)
    .raw(true);
  // Messages whose time has come join messages_claim_idx: a seek into messages_due_idx that reads nothing while
  // none is due, so the messages waiting for later cost the claim nothing. No new version, no event: due_at is
  // not part of the message (rows.ts).
  const promote = db.prepare(`UPDATE messages SET due_at = NULL
      WHERE seq IN (
        SELECT seq FROM messages INDEXED BY messages_due_idx
        WHERE due_at IS NOT NULL AND due_at <= @now
        LIMIT ${PROMOTE_LIMIT})`);
  const claimOne = db
    .prepare(`UPDATE messages
      SET status = 'PROCESSING', attempts = attempts + 1, version = version + 1, started_at = @now,
          lease_owner = @worker, lease_expires_at = @until, next_attempt_at = NULL, progress = NULL
      WHERE seq = @seq AND status = 'PENDING' RETURNING *`)
    .raw(true);
  const readOne = rowReader(claimOne.columns().map((c) => c.name));
  const returned = claim.columns().map((c) => c.name);
  // claimMany pops `rare` off the end of each row.
  if (returned.pop() !== 'rare') throw new Error('the claim must return `rare` last');
  /** A row the claim returns, its `rare` value replaced by the CLAIM_RARE values, then the CLAIM_SETS values. */
  const readClaimed = rowReader([...returned, ...CLAIM_RARE.map(([c]) => c), ...CLAIM_SETS]);

  return {
    /** (now in ms) -> nothing; moves the messages due by then into messages_claim_idx (in the caller's transaction). */
    promoteDue(now: number): void {
      promote.run({ now });
    },

    /** (transaction, options) -> up to `limit` due PENDING messages leased to the worker, in take order, each with its `claimed` event. */
    claimMany(tx: WriteTx, o: ClaimOptions): Message[] {
      if (o.limit <= 0) return [];
      const now = o.now.getTime();
      const until = now + o.leaseMs;
      promote.run({ now });
      const rows = (claim.all({ now, worker: o.workerId, until, limit: o.limit }) as unknown[][]).map(
        (values) => {
          const rare = values.pop() as string | null;
          values.push(...(rare === null ? CLAIM_RARE_DEFAULTS : (JSON.parse(rare) as unknown[])));
          // What the claim set, in CLAIM_SETS order.
          values.push('PROCESSING', now, o.workerId, until, null, null);
          return readClaimed(values);
        },
      );
      // RETURNING gives no order; hand the messages out in take order.
      rows.sort(
        (a, b) => b.effective_priority - a.effective_priority || a.fair_round - b.fair_round || a.seq - b.seq,
      );
      tx.moved('PENDING', 'PROCESSING', rows.length);
      return rows.map((row) => {
        const message = rowToMessage(row);
        tx.remember(row, message);
        tx.append(row, now, 'claimed', message);
        return message;
      });
    },

    /** (transaction, seq of a message it just inserted, now in ms, lease) -> that message, leased, with its `claimed` event. */
    claimNew(tx: WriteTx, seq: number, now: number, lease: NonNullable<EnqueueOptions['claimFor']>): Message {
      const row = readOne(
        claimOne.get({ seq, now, worker: lease.workerId, until: now + lease.leaseMs }) as unknown[],
      );
      tx.moved('PENDING', 'PROCESSING');
      const message = rowToMessage(row);
      tx.append(row, now, 'claimed', message);
      return message;
    },
  };
}
