// Webhooks' vocabulary and the storage interface both engines implement (src/db/{sqlite,postgres}/webhooks.ts).
// No GraphQL, no HTTP: what an endpoint and a delivery are, and what the store promises about them.
import type { MessageEvent } from '../queue/types.js';

/** The contract's WebhookEvent names. */
export const WEBHOOK_EVENTS = [
  'MESSAGE_COMPLETED',
  'MESSAGE_FAILED',
  'MESSAGE_CANCELLED',
  'REVIEW_REQUIRED',
  'REVIEW_DECIDED',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface Webhook {
  id: string;
  url: string;
  events: WebhookEvent[];
  description: string | null;
  createdAt: Date;
}

/** An endpoint as the dispatcher sees it: with the secret it signs with and its place in the log. */
export interface Endpoint extends Webhook {
  secret: string;
  /** Log position up to which deliveries have been made. */
  cursor: number;
}

export interface NewDelivery {
  id: string;
  messageId: string;
  messageVersion: number;
  eventSeq: number;
  /** The wire type, e.g. `message.completed`. */
  type: string;
  body: string;
}

export interface Delivery {
  id: string;
  webhookId: string;
  messageId: string;
  messageVersion: number;
  type: string;
  status: DeliveryStatus;
  /** Calls made so far (an in-flight one included). */
  attempts: number;
  lastError: string | null;
  lastStatusCode: number | null;
  /** When the next call is due (PENDING only). */
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** A delivery taken by one dispatcher, with what it needs to make the call. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  url: string;
  secret: string;
  body: string;
  attempts: number;
  retryUntil: Date;
}

/** How a call ended: delivered, to be retried at `nextAttemptAt`, or failed for good. */
export type DeliveryOutcome =
  | { status: 'DELIVERED'; statusCode: number }
  | { status: 'PENDING'; nextAttemptAt: Date; error: string; statusCode: number | null }
  | { status: 'FAILED'; error: string; statusCode: number | null };

export interface Settled {
  id: string;
  outcome: DeliveryOutcome;
}

export interface DeliveryFilter {
  webhookId?: string;
  status?: DeliveryStatus;
}

/**
 * What every engine promises: `advance` inserts an endpoint's deliveries and moves its cursor in one transaction,
 * only if the cursor still stands where the caller read it (so of several processes, one makes each delivery);
 * `claim` hands a due delivery to one claimer only, never while an earlier PENDING delivery of the same message
 * and endpoint exists (version order), and leases it until `leaseMs` from now (then it is due again).
 */
export interface WebhookStore {
  /** Stores a new endpoint whose cursor is the log's last position now (it gets what happens from now on). */
  create(hook: Webhook & { secret: string }): Promise<Webhook>;
  /** Removes the endpoint and its deliveries; null when unknown. */
  delete(id: string): Promise<Webhook | null>;
  list(): Promise<Webhook[]>;
  endpoints(): Promise<Endpoint[]>;
  /** Events of the given kinds after position `after` up to `upTo`, in log order, at most `limit`. */
  events(after: number, upTo: number, kinds: readonly string[], limit: number): Promise<MessageEvent[]>;
  /**
   * Inserts the deliveries and moves the cursor from `from` to `to`, in one transaction; null when the cursor no
   * longer stood at `from` (nothing written). With `claim`, up to `claim.limit` of the new deliveries that no
   * earlier PENDING delivery of their message and endpoint holds back are inserted already claimed by the worker
   * (as `claim` would take them, without a second write); their ids come back, in order.
   */
  advance(
    webhookId: string,
    from: number,
    to: number,
    deliveries: NewDelivery[],
    now: Date,
    retryUntil: Date,
    claim?: { workerId: string; leaseMs: number; limit: number },
  ): Promise<string[] | null>;
  claim(workerId: string, limit: number, leaseMs: number, now: Date): Promise<ClaimedDelivery[]>;
  /** Records how claimed calls ended, each only if `workerId` still holds it; one transaction. */
  settle(settled: Settled[], workerId: string, now: Date): Promise<void>;
  /** Newest first. */
  deliveries(filter: DeliveryFilter, limit: number): Promise<Delivery[]>;
  /** A FAILED (or DELIVERED) delivery back to PENDING, due now, with 24 hours of retries; null when unknown. */
  redeliver(id: string, now: Date, retryUntil: Date): Promise<Delivery | null>;
  /** Removes deliveries DELIVERED before `before`, and FAILED ones whose retries ended before it; how many. */
  purge(before: Date): Promise<number>;
}
