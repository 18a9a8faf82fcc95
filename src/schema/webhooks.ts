// Webhooks in the schema: the contract's WebhookEvent, Webhook, createWebhook, deleteWebhook and webhooks, plus the
// deliveries an admin follows and redelivers. Everything is admin-only; the webhook service checks it.
import { MAX_DELIVERIES_PAGE } from '../webhooks/service.js';
import type { Delivery, Webhook } from '../webhooks/types.js';
import { WEBHOOK_EVENTS } from '../webhooks/types.js';
import { builder } from './builder.js';
import { listCost, STORAGE_READ_COST } from './cost.js';

const EVENT_WORDS: Record<(typeof WEBHOOK_EVENTS)[number], string> = {
  MESSAGE_COMPLETED: 'A message completed (`message.completed`).',
  MESSAGE_FAILED: 'A message failed with no retries left (`message.failed`).',
  MESSAGE_CANCELLED: 'A message was cancelled (`message.cancelled`).',
  REVIEW_REQUIRED: 'A completed quote was referred to a human (`review.required`).',
  REVIEW_DECIDED: 'A reviewer approved or rejected a quote (`review.decided`).',
};

export const WebhookEventEnum = builder.enumType('WebhookEvent', {
  description: 'What an endpoint is called for.',
  values: Object.fromEntries(
    WEBHOOK_EVENTS.map((e) => [e, { value: e, description: EVENT_WORDS[e] }]),
  ) as Record<
    (typeof WEBHOOK_EVENTS)[number],
    { value: (typeof WEBHOOK_EVENTS)[number]; description: string }
  >,
});

export const WebhookDeliveryStatus = builder.enumType('WebhookDeliveryStatus', {
  description: 'Where a delivery stands.',
  values: {
    PENDING: { description: 'Due, in flight, or waiting for its next retry (nextAttemptAt).' },
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'No 2xx within 24 hours of retries; redeliverWebhookDelivery sends it again.' },
  },
});

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  description: 'An endpoint to call.',
  fields: (t) => ({
    url: t.string({
      required: true,
      description:
        'An https URL (any http URL with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true) that resolves to public addresses only.',
    }),
    events: t.field({ type: [WebhookEventEnum], required: true, description: 'What to call it for.' }),
    description: t.string({ description: 'What it is for, for people (at most 500 characters).' }),
  }),
});

export const WebhookRef = builder.objectRef<Webhook>('Webhook').implement({
  description: 'An endpoint called when messages end (see the contract, section Webhooks).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The endpoint id.' }),
    url: t.exposeString('url', { description: 'Where it is called.' }),
    events: t.field({
      type: [WebhookEventEnum],
      description: 'What it is called for.',
      resolve: (w) => w.events,
    }),
    description: t.exposeString('description', { nullable: true, description: 'What it is for.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
  }),
});

const CreateWebhookPayloadRef = builder
  .objectRef<{ webhook: Webhook; secret: string }>('CreateWebhookPayload')
  .implement({
    description: 'The new endpoint and its signing secret.',
    fields: (t) => ({
      webhook: t.field({ type: WebhookRef, description: 'The endpoint.', resolve: (p) => p.webhook }),
      secret: t.exposeString('secret', {
        description: 'whsec_...: verifies the webhook-signature header. Shown only here, never again.',
      }),
    }),
  });

export const WebhookDeliveryRef = builder.objectRef<Delivery>('WebhookDelivery').implement({
  description: 'One event for one endpoint, and how calling it went.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The webhook-id header: the same on every try.' }),
    webhookId: t.exposeID('webhookId', { description: 'The endpoint.' }),
    type: t.exposeString('type', { description: 'message.completed, message.failed, ...' }),
    messageId: t.exposeID('messageId', { description: 'The message it is about.' }),
    messageVersion: t.exposeInt('messageVersion', { description: 'The version of the message it carries.' }),
    status: t.field({
      type: WebhookDeliveryStatus,
      description: 'Where it stands.',
      resolve: (d) => d.status,
    }),
    attempts: t.exposeInt('attempts', { description: 'Calls made so far.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Why the last call failed.' }),
    lastStatusCode: t.exposeInt('lastStatusCode', {
      nullable: true,
      description: 'The HTTP status of the last answer, if any.',
    }),
    nextAttemptAt: t.expose('nextAttemptAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the next call is due (PENDING only).',
    }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When the event was taken from the log.',
    }),
    deliveredAt: t.expose('deliveredAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When a call got a 2xx.',
    }),
  }),
});

builder.queryField('webhooks', (t) =>
  t.field({
    type: [WebhookRef],
    complexity: listCost(10, STORAGE_READ_COST),
    description: 'Every registered endpoint (admin only).',
    resolve: (_root, _args, ctx) => ctx.webhooks.list(ctx.actor),
  }),
);

builder.queryField('webhookDeliveries', (t) =>
  t.field({
    type: [WebhookDeliveryRef],
    complexity: (args) => listCost(Math.min(Math.max(args.first ?? 20, 1), MAX_DELIVERIES_PAGE)),
    description: 'Recent deliveries, newest first, optionally of one endpoint or status (admin only).',
    args: {
      webhookId: t.arg.id({ description: 'Only this endpoint’s.' }),
      status: t.arg({ type: WebhookDeliveryStatus, description: 'Only this status.' }),
      first: t.arg.int({
        defaultValue: 20,
        description: `How many, 1..${MAX_DELIVERIES_PAGE} (default 20).`,
      }),
    },
    resolve: (_root, args, ctx) =>
      ctx.webhooks.deliveries(ctx.actor, {
        webhookId: args.webhookId == null ? null : String(args.webhookId),
        status: args.status,
        first: args.first,
      }),
  }),
);

builder.mutationField('createWebhook', (t) =>
  t.field({
    type: CreateWebhookPayloadRef,
    description:
      'Registers an endpoint (admin only); its secret is in the answer only. A URL that resolves to a loopback, private, link-local or metadata address is BAD_USER_INPUT unless WEBHOOK_ALLOW_PRIVATE_NETWORKS=true.',
    args: { input: t.arg({ type: CreateWebhookInput, required: true, description: 'The endpoint.' }) },
    resolve: (_root, { input }, ctx) =>
      ctx.webhooks.create(ctx.actor, {
        url: input.url,
        events: input.events,
        description: input.description,
      }),
  }),
);

builder.mutationField('deleteWebhook', (t) =>
  t.field({
    type: WebhookRef,
    description: 'Removes an endpoint and its deliveries (admin only); NOT_FOUND when unknown.',
    args: { id: t.arg.id({ required: true, description: 'The endpoint id.' }) },
    resolve: (_root, args, ctx) => ctx.webhooks.delete(ctx.actor, String(args.id)),
  }),
);

builder.mutationField('redeliverWebhookDelivery', (t) =>
  t.field({
    type: WebhookDeliveryRef,
    description:
      'Sends a FAILED (or DELIVERED) delivery again, due now, with the same webhook-id and 24 hours of retries (admin only).',
    args: { id: t.arg.id({ required: true, description: 'The delivery id.' }) },
    resolve: (_root, args, ctx) => ctx.webhooks.redeliver(ctx.actor, String(args.id)),
  }),
);
