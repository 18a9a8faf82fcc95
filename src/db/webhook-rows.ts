// Rows of `webhooks` and `webhook_deliveries` as both engines return them, read back as the webhooks' types.
import type { Delivery, DeliveryStatus, Webhook, WebhookEvent } from '../webhooks/types.js';

export interface WebhookRow {
  id: string;
  url: string;
  events: string;
  description: string | null;
  created_at: number;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  message_id: string;
  message_version: number;
  type: string;
  status: string;
  attempts: number;
  last_error: string | null;
  last_status_code: number | null;
  next_attempt_at: number | null;
  created_at: number;
  delivered_at: number | null;
}

export function toWebhook(r: WebhookRow): Webhook {
  return {
    id: r.id,
    url: r.url,
    events: JSON.parse(r.events) as WebhookEvent[],
    description: r.description,
    createdAt: new Date(r.created_at),
  };
}

const time = (ms: number | null) => (ms === null ? null : new Date(ms));

export function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    webhookId: r.webhook_id,
    messageId: r.message_id,
    messageVersion: r.message_version,
    type: r.type,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    lastError: r.last_error,
    lastStatusCode: r.last_status_code,
    nextAttemptAt: r.status === 'PENDING' ? time(r.next_attempt_at) : null,
    createdAt: new Date(r.created_at),
    deliveredAt: time(r.delivered_at),
  };
}
