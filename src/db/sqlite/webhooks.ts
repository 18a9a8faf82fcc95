// The webhook statements on SQLite: endpoints, deliveries made from the log under a cursor, and their claim.
// Writes run in BEGIN IMMEDIATE transactions (`.immediate()`), so one writer at a time across processes: the
// cursor check, the claim's choice and its update cannot interleave with another process's.
import type Database from 'better-sqlite3';
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
import { guard } from './faults.js';

export class SqliteWebhookStore implements WebhookStore {
  private readonly s;
  private readonly advanceTx;
  private readonly claimTx;
  private readonly deleteTx;
  private readonly settleTx;

  constructor(db: Database.Database) {
    const s = {
      insert: db.prepare(`INSERT INTO webhooks (id, url, events, description, secret, created_at, cursor)
        VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) FROM message_events))`),
      get: db.prepare('SELECT id, url, events, description, created_at FROM webhooks WHERE id = ?'),
      remove: db.prepare('DELETE FROM webhooks WHERE id = ?'),
      removeDeliveries: db.prepare('DELETE FROM webhook_deliveries WHERE webhook_id = ?'),
      list: db.prepare(
        'SELECT id, url, events, description, created_at FROM webhooks ORDER BY created_at, id',
      ),
      endpoints: db.prepare('SELECT * FROM webhooks ORDER BY created_at, id'),
      move: db.prepare('UPDATE webhooks SET cursor = ? WHERE id = ? AND cursor = ?'),
      add: db.prepare(`INSERT INTO webhook_deliveries (id, webhook_id, message_id, message_version, event_seq, type,
          body, status, next_attempt_at, retry_until, created_at, attempts, lease_owner)
        VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?)`),
      held: db
        .prepare(`SELECT 1 FROM webhook_deliveries INDEXED BY webhook_deliveries_order_idx
          WHERE status = 'PENDING' AND webhook_id = ? AND message_id = ? LIMIT 1`)
        .pluck(),
      // Due PENDING deliveries by due time, skipping any held back by an earlier PENDING one of the same message
      // and endpoint (in flight or waiting for its retry): that keeps each message's calls in version order.
      due: db.prepare(`SELECT d.seq FROM webhook_deliveries d INDEXED BY webhook_deliveries_due_idx
        WHERE d.status = 'PENDING' AND d.next_attempt_at <= ?
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e INDEXED BY webhook_deliveries_order_idx
            WHERE e.status = 'PENDING' AND e.webhook_id = d.webhook_id AND e.message_id = d.message_id
              AND e.seq < d.seq)
        ORDER BY d.next_attempt_at LIMIT ?`),
      take: db.prepare(`UPDATE webhook_deliveries SET attempts = attempts + 1, lease_owner = ?, next_attempt_at = ?
        WHERE seq = ?
        RETURNING id, webhook_id, body, attempts, retry_until,
          (SELECT url FROM webhooks w WHERE w.id = webhook_id) AS url,
          (SELECT secret FROM webhooks w WHERE w.id = webhook_id) AS secret`),
      delivered:
        db.prepare(`UPDATE webhook_deliveries SET status = 'DELIVERED', delivered_at = ?, last_status_code = ?,
          lease_owner = NULL, next_attempt_at = NULL
        WHERE id = ? AND lease_owner = ? AND status = 'PENDING'`),
      retry:
        db.prepare(`UPDATE webhook_deliveries SET next_attempt_at = ?, last_error = ?, last_status_code = ?,
          lease_owner = NULL
        WHERE id = ? AND lease_owner = ? AND status = 'PENDING'`),
      failed:
        db.prepare(`UPDATE webhook_deliveries SET status = 'FAILED', last_error = ?, last_status_code = ?,
          lease_owner = NULL, next_attempt_at = NULL
        WHERE id = ? AND lease_owner = ? AND status = 'PENDING'`),
      deliveries: db.prepare(`SELECT * FROM webhook_deliveries
        WHERE (@webhookId IS NULL OR webhook_id = @webhookId) AND (@status IS NULL OR status = @status)
        ORDER BY seq DESC LIMIT @limit`),
      redeliver:
        db.prepare(`UPDATE webhook_deliveries SET status = 'PENDING', next_attempt_at = ?, retry_until = ?,
          lease_owner = NULL, delivered_at = NULL
        WHERE id = ? AND status <> 'PENDING' RETURNING *`),
      delivery: db.prepare('SELECT * FROM webhook_deliveries WHERE id = ?'),
      purge: db.prepare(`DELETE FROM webhook_deliveries
        WHERE (status = 'DELIVERED' AND delivered_at < @before) OR (status = 'FAILED' AND retry_until < @before)`),
    };
    this.s = s;
    this.advanceTx = db.transaction(
      (
        webhookId: string,
        from: number,
        to: number,
        list: NewDelivery[],
        now: number,
        until: number,
        claim: { workerId: string; leaseMs: number; limit: number } | undefined,
      ): string[] | null => {
        if (s.move.run(to, webhookId, from).changes === 0) return null;
        const claimed: string[] = [];
        // Messages with a PENDING delivery of this endpoint, in the database or earlier in this list.
        const pending = new Set<string>();
        for (const d of list) {
          const take =
            claim !== undefined &&
            claimed.length < claim.limit &&
            !pending.has(d.messageId) &&
            s.held.get(webhookId, d.messageId) === undefined;
          pending.add(d.messageId);
          if (take) claimed.push(d.id);
          s.add.run(
            d.id,
            webhookId,
            d.messageId,
            d.messageVersion,
            d.eventSeq,
            d.type,
            d.body,
            take ? now + claim.leaseMs : now,
            until,
            now,
            take ? 1 : 0,
            take ? claim.workerId : null,
          );
        }
        return claimed;
      },
    );
    this.claimTx = db.transaction((workerId: string, limit: number, leaseUntil: number, now: number) =>
      (s.due.all(now, limit) as { seq: number }[]).map(
        (r) => s.take.get(workerId, leaseUntil, r.seq) as ClaimRow,
      ),
    );
    this.settleTx = db.transaction((settled: Settled[], workerId: string, now: number) => {
      for (const { id, outcome } of settled) {
        if (outcome.status === 'DELIVERED') s.delivered.run(now, outcome.statusCode, id, workerId);
        else if (outcome.status === 'PENDING')
          s.retry.run(outcome.nextAttemptAt.getTime(), outcome.error, outcome.statusCode, id, workerId);
        else s.failed.run(outcome.error, outcome.statusCode, id, workerId);
      }
    });
    this.deleteTx = db.transaction((id: string) => {
      const row = s.get.get(id) as WebhookRow | undefined;
      if (!row) return null;
      s.removeDeliveries.run(id);
      s.remove.run(id);
      return row;
    });
    this.eventsOf = (after, upTo, kinds, limit) => {
      // The kinds are the dispatcher's fixed list: inlined as literals so SQLite plans one statement per list.
      const list = kinds.map((k) => `'${k.replace(/'/g, "''")}'`).join(', ');
      let statement = this.kindStatements.get(list);
      if (!statement) {
        statement = db.prepare(
          `${EVENT_COLUMNS} WHERE e.seq > ? AND e.seq <= ? AND e.kind IN (${list}) ORDER BY e.seq LIMIT ? + 0`,
        );
        this.kindStatements.set(list, statement);
      }
      return (statement.all(after, upTo, limit) as EventRow[]).map(toEvent);
    };
  }

  private readonly kindStatements = new Map<string, Database.Statement>();
  private readonly eventsOf: (
    after: number,
    upTo: number,
    kinds: readonly string[],
    limit: number,
  ) => MessageEvent[];

  async create(hook: Webhook & { secret: string }): Promise<Webhook> {
    guard(() =>
      this.s.insert.run(
        hook.id,
        hook.url,
        JSON.stringify(hook.events),
        hook.description,
        hook.secret,
        hook.createdAt.getTime(),
      ),
    );
    return toWebhook(this.s.get.get(hook.id) as WebhookRow);
  }

  async delete(id: string): Promise<Webhook | null> {
    const row = guard(() => this.deleteTx.immediate(id));
    return row ? toWebhook(row) : null;
  }

  async list(): Promise<Webhook[]> {
    return guard(() => (this.s.list.all() as WebhookRow[]).map(toWebhook));
  }

  async endpoints(): Promise<Endpoint[]> {
    return guard(() =>
      (this.s.endpoints.all() as (WebhookRow & { secret: string; cursor: number })[]).map((r) => ({
        ...toWebhook(r),
        secret: r.secret,
        cursor: r.cursor,
      })),
    );
  }

  async events(after: number, upTo: number, kinds: readonly string[], limit: number) {
    return guard(() => this.eventsOf(after, upTo, kinds, limit));
  }

  async advance(
    webhookId: string,
    from: number,
    to: number,
    deliveries: NewDelivery[],
    now: Date,
    retryUntil: Date,
    claim?: { workerId: string; leaseMs: number; limit: number },
  ): Promise<string[] | null> {
    return guard(() =>
      this.advanceTx.immediate(webhookId, from, to, deliveries, now.getTime(), retryUntil.getTime(), claim),
    );
  }

  async claim(workerId: string, limit: number, leaseMs: number, now: Date): Promise<ClaimedDelivery[]> {
    const rows = guard(() => this.claimTx.immediate(workerId, limit, now.getTime() + leaseMs, now.getTime()));
    return rows.map(toClaimed);
  }

  async settle(settled: Settled[], workerId: string, now: Date): Promise<void> {
    if (settled.length === 0) return;
    guard(() => this.settleTx.immediate(settled, workerId, now.getTime()));
  }

  async deliveries(filter: DeliveryFilter, limit: number): Promise<Delivery[]> {
    return guard(() =>
      (
        this.s.deliveries.all({
          webhookId: filter.webhookId ?? null,
          status: filter.status ?? null,
          limit,
        }) as DeliveryRow[]
      ).map(toDelivery),
    );
  }

  async redeliver(id: string, now: Date, retryUntil: Date): Promise<Delivery | null> {
    return guard(() => {
      const row = this.s.redeliver.get(now.getTime(), retryUntil.getTime(), id) as DeliveryRow | undefined;
      if (row) return toDelivery(row);
      const current = this.s.delivery.get(id) as DeliveryRow | undefined;
      return current ? toDelivery(current) : null;
    });
  }

  async purge(before: Date): Promise<number> {
    return guard(() => this.s.purge.run({ before: before.getTime() }).changes);
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

function toClaimed(r: ClaimRow): ClaimedDelivery {
  return {
    id: r.id,
    webhookId: r.webhook_id,
    url: r.url,
    secret: r.secret,
    body: r.body,
    attempts: r.attempts,
    retryUntil: new Date(r.retry_until),
  };
}
