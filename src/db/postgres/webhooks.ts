// The webhook statements on PostgreSQL: endpoints, deliveries made from the log under a cursor, and their claim
// (SKIP LOCKED, as the message claim). Connection failures become STORAGE_UNAVAILABLE, as in store.ts.
import type { Sql } from 'postgres';
import { StorageUnavailableError } from '../../queue/errors.js';
import type { MessageEvent } from '../../queue/types.js';
import type {
  ClaimedDelivery,
  Delivery,
  DeliveryFilter,
  Endpoint,
  NewDelivery,
  Settled,
  Webhook,
  WebhookStore,
} from '../../webhooks/types.js';
import { type EventRow, toEvent } from '../rows.js';
import { type DeliveryRow, toDelivery, toWebhook, type WebhookRow } from '../webhook-rows.js';
import { EVENT_COLUMNS } from './events.js';
import { isRetryable, storageFault } from './faults.js';
import { storable } from './text.js';

const ATTEMPTS = 5;

export class PostgresWebhookStore implements WebhookStore {
  constructor(private readonly sql: Sql) {}

  async create(hook: Webhook & { secret: string }): Promise<Webhook> {
    const [row] = await this.run(
      () => this.sql<
        WebhookRow[]
      >`INSERT INTO webhooks (id, url, events, description, secret, created_at, cursor)
        VALUES (${hook.id}, ${hook.url}, ${JSON.stringify(hook.events)}, ${hook.description}, ${hook.secret},
          ${hook.createdAt.getTime()}, (SELECT COALESCE(MAX(seq), 0) FROM message_events))
        RETURNING id, url, events, description, created_at`,
    );
    return toWebhook(row!);
  }

  async delete(id: string): Promise<Webhook | null> {
    if (!storable(id)) return null;
    return this.run(() =>
      this.sql.begin(async (sql) => {
        const [row] = await sql<WebhookRow[]>`DELETE FROM webhooks WHERE id = ${id}
          RETURNING id, url, events, description, created_at`;
        if (!row) return null;
        await sql`DELETE FROM webhook_deliveries WHERE webhook_id = ${id}`;
        return toWebhook(row);
      }),
    );
  }

  async list(): Promise<Webhook[]> {
    const rows = await this.run(
      () => this.sql<WebhookRow[]>`SELECT id, url, events, description, created_at FROM webhooks
        ORDER BY created_at, id`,
    );
    return rows.map(toWebhook);
  }

  async endpoints(): Promise<Endpoint[]> {
    const rows = await this.run(
      () => this.sql<(WebhookRow & { secret: string; cursor: number })[]>`SELECT * FROM webhooks
        ORDER BY created_at, id`,
    );
    return rows.map((r) => ({ ...toWebhook(r), secret: r.secret, cursor: r.cursor }));
  }

  /** (after, upTo, kinds, limit) -> the events of those kinds in (after, upTo], in log order. */
  async events(
    after: number,
    upTo: number,
    kinds: readonly string[],
    limit: number,
  ): Promise<MessageEvent[]> {
    const rows = await this.run(() =>
      this.sql.unsafe<EventRow[]>(
        `${EVENT_COLUMNS} WHERE e.seq > $1 AND e.seq <= $2 AND e.kind = ANY($3::text[]) ORDER BY e.seq LIMIT $4`,
        [after, upTo, kinds as string[], limit],
        { prepare: true },
      ),
    );
    return rows.map(toEvent);
  }

  /**
   * Moves the cursor only if it still stands at `from` (a concurrent mover holds the row lock until it commits, and
   * the re-checked WHERE then fails here), and inserts the deliveries in the same transaction, those it may claim
   * already leased to the worker.
   */
  async advance(
    webhookId: string,
    from: number,
    to: number,
    deliveries: NewDelivery[],
    now: Date,
    retryUntil: Date,
    claim?: { workerId: string; leaseMs: number; limit: number },
  ): Promise<string[] | null> {
    // A message's later deliveries in this list are held back by its first: only the first of each may be claimed.
    const first = new Set<string>();
    const rows = deliveries.map((d, ord) => {
      const candidate = claim !== undefined && !first.has(d.messageId);
      first.add(d.messageId);
      return {
        id: d.id,
        message_id: d.messageId,
        message_version: d.messageVersion,
        event_seq: d.eventSeq,
        type: d.type,
        body: d.body,
        candidate,
        ord,
      };
    });
    const at = now.getTime();
    return this.run(() =>
      this.sql.begin(async (sql) => {
        const moved =
          await sql`UPDATE webhooks SET cursor = ${to} WHERE id = ${webhookId} AND cursor = ${from}`;
        if (moved.count === 0) return null;
        if (rows.length === 0) return [];
        // Candidates that no PENDING delivery of their message holds back, in order, up to the limit.
        const inserted = await sql<{ id: string; lease_owner: string | null }[]>`
          WITH r AS (
            SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::text::json)
              AS r(id text, message_id text, message_version int, event_seq int8, type text, body text,
                candidate bool, ord int)),
          free AS (
            SELECT r.id FROM r WHERE r.candidate AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
              WHERE e.status = 'PENDING' AND e.webhook_id = ${webhookId} AND e.message_id = r.message_id)
            ORDER BY r.ord LIMIT ${claim?.limit ?? 0})
          INSERT INTO webhook_deliveries (id, webhook_id, message_id, message_version, event_seq, type, body, status,
            attempts, lease_owner, next_attempt_at, retry_until, created_at)
          SELECT r.id, ${webhookId}, r.message_id, r.message_version, r.event_seq, r.type, r.body, 'PENDING',
            CASE WHEN f.id IS NULL THEN 0 ELSE 1 END,
            CASE WHEN f.id IS NULL THEN NULL ELSE ${claim?.workerId ?? null}::text END,
            CASE WHEN f.id IS NULL THEN ${at}::int8 ELSE ${at + (claim?.leaseMs ?? 0)}::int8 END,
            ${retryUntil.getTime()}, ${at}
          FROM r LEFT JOIN free f ON f.id = r.id ORDER BY r.ord
          RETURNING id, lease_owner`;
        const claimed = new Set(inserted.filter((r) => r.lease_owner !== null).map((r) => r.id));
        return rows.filter((r) => claimed.has(r.id)).map((r) => r.id);
      }),
    );
  }

  /**
   * (worker, limit, lease, now) -> due deliveries leased to the worker: SKIP LOCKED so concurrent claimers take
   * different rows; one held back by an earlier PENDING delivery of its message and endpoint is not due yet.
   */
  async claim(workerId: string, limit: number, leaseMs: number, now: Date): Promise<ClaimedDelivery[]> {
    const at = now.getTime();
    const rows = await this.run(
      () => this.sql<ClaimRow[]>`WITH due AS (
          SELECT d.seq FROM webhook_deliveries d
          WHERE d.status = 'PENDING' AND d.next_attempt_at <= ${at}
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
              WHERE e.status = 'PENDING' AND e.webhook_id = d.webhook_id AND e.message_id = d.message_id
                AND e.seq < d.seq)
          ORDER BY d.next_attempt_at LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        UPDATE webhook_deliveries w SET attempts = w.attempts + 1, lease_owner = ${workerId},
          next_attempt_at = ${at + leaseMs}
        FROM due, webhooks h
        WHERE w.seq = due.seq AND h.id = w.webhook_id
        RETURNING w.id, w.webhook_id, w.body, w.attempts, w.retry_until, h.url, h.secret`,
    );
    return rows.map((r) => ({
      id: r.id,
      webhookId: r.webhook_id,
      url: r.url,
      secret: r.secret,
      body: r.body,
      attempts: r.attempts,
      retryUntil: new Date(r.retry_until),
    }));
  }

  /** (outcomes, worker, now) -> each delivery the worker still holds takes its outcome; one statement. */
  async settle(settled: Settled[], workerId: string, now: Date): Promise<void> {
    if (settled.length === 0) return;
    const rows = settled.map(({ id, outcome }) => ({
      id,
      status: outcome.status,
      code: outcome.statusCode,
      error: outcome.status === 'DELIVERED' ? null : outcome.error,
      next: outcome.status === 'PENDING' ? outcome.nextAttemptAt.getTime() : null,
    }));
    await this.run(
      () => this.sql`UPDATE webhook_deliveries d SET status = s.status, last_status_code = s.code,
          last_error = CASE WHEN s.status = 'DELIVERED' THEN d.last_error ELSE s.error END,
          delivered_at = CASE WHEN s.status = 'DELIVERED' THEN ${now.getTime()}::int8 END,
          next_attempt_at = s.next, lease_owner = NULL
        FROM json_to_recordset(${JSON.stringify(rows)}::text::json)
          AS s(id text, status text, code int, error text, next int8)
        WHERE d.id = s.id AND d.lease_owner = ${workerId} AND d.status = 'PENDING'`,
    );
  }

  async deliveries(filter: DeliveryFilter, limit: number): Promise<Delivery[]> {
    const webhookId = filter.webhookId ?? null;
    const status = filter.status ?? null;
    if ((webhookId !== null && !storable(webhookId)) || (status !== null && !storable(status))) return [];
    const rows = await this.run(
      () => this.sql<DeliveryRow[]>`SELECT * FROM webhook_deliveries
        WHERE (${webhookId}::text IS NULL OR webhook_id = ${webhookId})
          AND (${status}::text IS NULL OR status = ${status})
        ORDER BY seq DESC LIMIT ${limit}`,
    );
    return rows.map(toDelivery);
  }

  async redeliver(id: string, now: Date, retryUntil: Date): Promise<Delivery | null> {
    if (!storable(id)) return null;
    const [row] = await this.run(
      () => this.sql<DeliveryRow[]>`UPDATE webhook_deliveries SET status = 'PENDING',
          next_attempt_at = ${now.getTime()}, retry_until = ${retryUntil.getTime()}, lease_owner = NULL,
          delivered_at = NULL
        WHERE id = ${id} AND status <> 'PENDING' RETURNING *`,
    );
    if (row) return toDelivery(row);
    const [current] = await this.run(
      () => this.sql<DeliveryRow[]>`SELECT * FROM webhook_deliveries WHERE id = ${id}`,
    );
    return current ? toDelivery(current) : null;
  }

  async purge(before: Date): Promise<number> {
    const at = before.getTime();
    const done = await this.run(
      () => this.sql`DELETE FROM webhook_deliveries
        WHERE (status = 'DELIVERED' AND delivered_at < ${at}) OR (status = 'FAILED' AND retry_until < ${at})`,
    );
    return done.count;
  }

  /** Runs `work`, again after a deadlock or serialization failure; connection failures become STORAGE_UNAVAILABLE. */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (isRetryable(error) && attempt < ATTEMPTS) continue;
        const reason = storageFault(error);
        if (reason) throw new StorageUnavailableError(reason);
        throw error;
      }
    }
  }
}

interface ClaimRow {
  id: string;
  webhook_id: string;
  body: string;
  attempts: number;
  retry_until: number;
  url: string;
  secret: string;
}
