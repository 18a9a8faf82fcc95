// Enqueue: new messages and their first events. Capacity and idempotency hold with concurrent writers because
// every enqueue first takes the schema's enqueue lock (transaction-scoped, released at commit): the count it
// reads then includes every earlier enqueue, and a key it does not find cannot be created by another writer
// before it commits. messages_idempotency_idx stays unique as a second guard.
import { QueueFullError } from '../../queue/errors.js';
import type { EnqueueOptions } from '../../queue/store.js';
import { type Message, type NewMessage, PRIORITIES } from '../../queue/types.js';
import { nextRound } from '../fairness.js';
import { storedMessage } from '../new-message.js';
import { type MessageRow, messageToRow, rowToMessage, WRITABLE_KEYS } from '../rows.js';
import { claimOne, promoteDue } from './claim.js';
import type { Tx } from './tx.js';

/** The enqueue lock's first key ("qqen"); the second is the schema's hash. */
const ENQUEUE_LOCK = 0x7171656e;
const COLUMNS = WRITABLE_KEYS.join(', ');

/** Stores `list` in order (all or none); returns each message, or the one its owner's key already names. */
export async function enqueueMany(
  tx: Tx,
  list: NewMessage[],
  options: EnqueueOptions,
  now: number,
): Promise<{ message: Message; created: boolean }[]> {
  const { sql } = tx;
  await sql`SELECT pg_advisory_xact_lock(${ENQUEUE_LOCK}, ${tx.keys.schema})`;
  const keyed = list
    .filter((m) => m.idempotencyKey !== null)
    .map((m) => ({ o: m.owner, k: m.idempotencyKey }));
  const known = new Map<string, Message>();
  if (keyed.length > 0) {
    const rows = await sql<MessageRow[]>`SELECT m.* FROM messages m
      JOIN json_to_recordset(${JSON.stringify(keyed)}::text::json) AS k(o text, k text)
        ON m.owner = k.o AND m.idempotency_key = k.k`;
    for (const r of rows) known.set(keyOf(r.owner, r.idempotency_key!), rowToMessage(r));
  }
  const out: { message: Message; created: boolean }[] = [];
  const fresh: Message[] = [];
  for (const m of list) {
    const key = m.idempotencyKey === null ? null : keyOf(m.owner, m.idempotencyKey);
    const first = key === null ? undefined : known.get(key);
    if (first) {
      out.push({ message: first, created: false });
      continue;
    }
    const message = storedMessage(m);
    if (key !== null) known.set(key, message);
    fresh.push(message);
    out.push({ message, created: true });
  }
  if (fresh.length === 0) return out;
  const [counts] = await sql<
    { active: number }[]
  >`SELECT COALESCE(SUM(n), 0)::int8 AS active FROM status_counts
    WHERE status IN ('PENDING', 'PROCESSING')`;
  if (counts!.active + tx.activeDelta() + fresh.length > options.maxSize)
    throw new QueueFullError(options.maxSize);
  if (options.maxPerOwner !== undefined) await checkOwners(tx, fresh, options.maxPerOwner);
  await assignRounds(tx, fresh, now);
  const rows = fresh.map((m) => messageToRow(m));
  const inserted = await sql<{ seq: number; id: string }[]>`
    INSERT INTO messages (${sql.unsafe(COLUMNS)})
    SELECT ${sql.unsafe(COLUMNS)} FROM json_populate_recordset(null::messages, ${JSON.stringify(rows)}::text::json)
    RETURNING seq, id`;
  const seqs = new Map(inserted.map((r) => [r.id, r.seq]));
  tx.moved(null, 'PENDING', fresh.length);
  for (let i = 0; i < fresh.length; i++) {
    const row = rows[i]!;
    row.seq = fresh[i]!.seq = seqs.get(row.id)!;
    tx.event(row, now, 'enqueued', fresh[i]!, true);
  }
  if (options.claimFor && out.length === 1 && out[0]!.created) {
    const claimed = await claimOne(tx, out[0]!.message.seq, options.claimFor, now);
    if (claimed) out[0] = { message: claimed, created: true };
  }
  return out;
}

/**
 * (transaction, new messages, the most one owner may hold) -> throws QueueFullError with scope `owner` when an
 * owner's PENDING and PROCESSING messages plus its new ones pass the limit. Exact: run under the enqueue lock.
 */
async function checkOwners(tx: Tx, fresh: Message[], maxPerOwner: number): Promise<void> {
  const adding = new Map<string, number>();
  for (const m of fresh) adding.set(m.owner, (adding.get(m.owner) ?? 0) + 1);
  const held = await tx.sql<{ owner: string; n: number }[]>`SELECT owner, COUNT(*)::int8 AS n FROM messages
    WHERE status IN ('PENDING', 'PROCESSING') AND owner = ANY(${[...adding.keys()]}::text[])
    GROUP BY owner`;
  const active = new Map(held.map((r) => [r.owner, r.n]));
  for (const [owner, n] of adding) {
    if ((active.get(owner) ?? 0) + n > maxPerOwner) throw new QueueFullError(maxPerOwner, 'owner');
  }
}

/**
 * (transaction, new messages, now in ms) -> sets each one's round (src/db/fairness.ts) from its owner's last round
 * among due messages at its priority and the round at the head of that priority, as each one before it in the
 * list left them. Exact: run under the enqueue lock, after the due messages were moved into the claim index.
 */
async function assignRounds(tx: Tx, fresh: Message[], now: number): Promise<void> {
  const { sql } = tx;
  await promoteDue(tx, now);
  const owners = [...new Set(fresh.map((m) => m.owner))];
  const ranks = [...new Set(fresh.map((m) => PRIORITIES[m.priority]))];
  const [tails, heads] = await Promise.all([
    sql<{ owner: string; priority: number; round: number }[]>`SELECT owner, priority, MAX(fair_round) AS round
      FROM messages WHERE status = 'PENDING' AND due_at IS NULL
        AND COALESCE(next_attempt_at, CASE WHEN attempts = 0 THEN run_at END, 0) <= ${now}
        AND owner = ANY(${owners}::text[]) AND priority = ANY(${ranks}::int4[])
      GROUP BY owner, priority`,
    sql<{ priority: number; round: number | null }[]>`SELECT p AS priority, (SELECT fair_round FROM messages
        WHERE status = 'PENDING' AND due_at IS NULL AND effective_priority = p
          AND COALESCE(next_attempt_at, CASE WHEN attempts = 0 THEN run_at END, 0) <= ${now}
        ORDER BY effective_priority DESC, fair_round, seq LIMIT 1) AS round
      FROM unnest(${ranks}::int4[]) AS p`,
  ]);
  const tail = new Map(tails.map((r) => [`${r.owner}\u0000${r.priority}`, r.round]));
  const head = new Map(heads.filter((r) => r.round !== null).map((r) => [r.priority, r.round as number]));
  for (const m of fresh) {
    const rank = PRIORITIES[m.priority];
    const key = `${m.owner}\u0000${rank}`;
    m.round = nextRound(tail.get(key) ?? null, head.get(rank));
    // A message waiting for its time is not in line yet: it moves neither figure.
    if (m.runAt !== null && m.runAt.getTime() > now) continue;
    tail.set(key, m.round);
    if (!head.has(rank)) head.set(rank, m.round);
  }
}

const keyOf = (owner: string, key: string) => `${owner}\u0000${key}`;
