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

/** One caller's messages (all or none) with its options and clock. */
export interface EnqueueRequest {
  list: NewMessage[];
  options: EnqueueOptions;
  now: number;
}

export type EnqueueResult =
  | { ok: true; out: { message: Message; created: boolean }[] }
  | { ok: false; error: QueueFullError };

/** Stores `list` in order (all or none); returns each message, or the one its owner's key already names. */
export async function enqueueMany(
  tx: Tx,
  list: NewMessage[],
  options: EnqueueOptions,
  now: number,
): Promise<{ message: Message; created: boolean }[]> {
  const [result] = await enqueueRequests(tx, [{ list, options, now }]);
  if (!result!.ok) throw result!.error;
  return result!.out;
}

/**
 * Several callers' enqueues in one transaction (the store groups those that arrive while one is being written), each
 * decided as if it ran alone after the ones before it: its keys see theirs, its capacity counts theirs, and a
 * request over capacity fails alone (it has written nothing). One read of the keys and counts, one INSERT.
 */
export async function enqueueRequests(tx: Tx, requests: EnqueueRequest[]): Promise<EnqueueResult[]> {
  const { sql } = tx;
  // Pipelined: the statements after it run once the lock is held.
  tx.later(sql`SELECT pg_advisory_xact_lock(${ENQUEUE_LOCK}, ${tx.keys.schema})`);
  const all = requests.flatMap((r) => r.list);
  const keyed = all
    .filter((m) => m.idempotencyKey !== null)
    .map((m) => ({ o: m.owner, k: m.idempotencyKey }));
  const perOwner = requests.some((r) => r.options.maxPerOwner !== undefined);
  const owners = [...new Set(all.map((m) => m.owner))];
  const [rows, [counts], held] = await Promise.all([
    keyed.length > 0
      ? sql<MessageRow[]>`SELECT m.* FROM messages m
          JOIN json_to_recordset(${JSON.stringify(keyed)}::text::json) AS k(o text, k text)
            ON m.owner = k.o AND m.idempotency_key = k.k`
      : Promise.resolve([] as MessageRow[]),
    sql<{ active: number }[]>`SELECT COALESCE(SUM(n), 0)::int8 AS active FROM status_counts
      WHERE status IN ('PENDING', 'PROCESSING')`,
    perOwner
      ? sql<{ owner: string; n: number }[]>`SELECT owner, COUNT(*)::int8 AS n FROM messages
          WHERE status IN ('PENDING', 'PROCESSING') AND owner = ANY(${owners}::text[])
          GROUP BY owner`
      : Promise.resolve([] as { owner: string; n: number }[]),
  ]);
  const known = new Map<string, Message>();
  for (const r of rows) known.set(keyOf(r.owner, r.idempotency_key!), rowToMessage(r));
  const active = counts!.active + tx.activeDelta();
  const ownerActive = new Map(held.map((r) => [r.owner, r.n]));
  let added = 0;
  const fresh: { message: Message; now: number }[] = [];
  const results = requests.map(({ list, options, now }): EnqueueResult => {
    const out: { message: Message; created: boolean }[] = [];
    const mine = new Map<string, Message>();
    const adding = new Map<string, number>();
    for (const m of list) {
      const key = m.idempotencyKey === null ? null : keyOf(m.owner, m.idempotencyKey);
      const first = key === null ? undefined : (mine.get(key) ?? known.get(key));
      if (first) {
        out.push({ message: first, created: false });
        continue;
      }
      const message = storedMessage(m);
      if (key !== null) mine.set(key, message);
      adding.set(m.owner, (adding.get(m.owner) ?? 0) + 1);
      out.push({ message, created: true });
    }
    const n = out.filter((o) => o.created).length;
    if (n === 0) return { ok: true, out };
    if (active + added + n > options.maxSize)
      return { ok: false, error: new QueueFullError(options.maxSize) };
    if (options.maxPerOwner !== undefined) {
      for (const [owner, k] of adding) {
        if ((ownerActive.get(owner) ?? 0) + k > options.maxPerOwner)
          return { ok: false, error: new QueueFullError(options.maxPerOwner, 'owner') };
      }
    }
    added += n;
    for (const [owner, k] of adding) ownerActive.set(owner, (ownerActive.get(owner) ?? 0) + k);
    for (const [key, message] of mine) known.set(key, message);
    for (const o of out) if (o.created) fresh.push({ message: o.message, now });
    return { ok: true, out };
  });
  if (fresh.length === 0) return results;
  // One clock for the group's rounds: its requests arrived within the same write.
  await assignRounds(
    tx,
    fresh.map((f) => f.message),
    Math.max(...fresh.map((f) => f.now)),
  );
  const newRows = fresh.map((f) => messageToRow(f.message));
  const inserted = await sql<{ seq: number; id: string }[]>`
    INSERT INTO messages (${sql.unsafe(COLUMNS)})
    SELECT ${sql.unsafe(COLUMNS)} FROM json_populate_recordset(null::messages, ${JSON.stringify(newRows)}::text::json)
    RETURNING seq, id`;
  const seqs = new Map(inserted.map((r) => [r.id, r.seq]));
  tx.moved(null, 'PENDING', fresh.length);
  for (let i = 0; i < fresh.length; i++) {
    const row = newRows[i]!;
    row.seq = fresh[i]!.message.seq = seqs.get(row.id)!;
    tx.event(row, fresh[i]!.now, 'enqueued', fresh[i]!.message, true);
  }
  // Claims in the same transaction (the synchronous path, service.run), pipelined: each takes its own new row.
  await Promise.all(
    results.map(async (result, i) => {
      const { options, now } = requests[i]!;
      if (!result.ok || !options.claimFor || result.out.length !== 1 || !result.out[0]!.created) return;
      const claimed = await claimOne(tx, result.out[0]!.message.seq, options.claimFor, now);
      if (claimed) result.out[0] = { message: claimed, created: true };
    }),
  );
  return results;
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
