// What admins do with webhooks: register an endpoint (its secret shown once), remove it, list endpoints and
// deliveries, and redeliver one. Roles and inputs are checked here; the schema only maps arguments.
import { type Actor, canOperate } from '../queue/access.js';
import { BadInputError, DomainError, ForbiddenError } from '../queue/errors.js';
import { parseTarget, resolveTarget, TargetRefused } from './address.js';
import { RETRY_WINDOW_MS } from './backoff.js';
import { webhookId } from './ids.js';
import { newSecret } from './signature.js';
import type { Delivery, DeliveryStatus, Webhook, WebhookEvent, WebhookStore } from './types.js';

/** PostgreSQL text cannot hold U+0000, so stored strings refuse it on every engine alike. */
const NO_NUL = 'must not contain the NUL character (U+0000)';

export class WebhookNotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(what: 'webhook' | 'delivery', id: string) {
    super(`No ${what} with id ${JSON.stringify(id)}`);
  }
}

export interface CreateWebhookInput {
  url: string;
  events: WebhookEvent[];
  description?: string | null;
}

export interface WebhookService {
  create(actor: Actor, input: CreateWebhookInput): Promise<{ webhook: Webhook; secret: string }>;
  delete(actor: Actor, id: string): Promise<Webhook>;
  list(actor: Actor): Promise<Webhook[]>;
  deliveries(
    actor: Actor,
    filter: { webhookId?: string | null; status?: DeliveryStatus | null; first?: number | null },
  ): Promise<Delivery[]>;
  redeliver(actor: Actor, id: string): Promise<Delivery>;
}

export interface WebhookServiceOptions {
  store: WebhookStore;
  allowPrivate: boolean;
  clock?: () => Date;
  /** Told when this process created or deleted an endpoint, or made a delivery due (the dispatcher's kick). */
  onChange?: (endpointsChanged: boolean) => void;
}

export const MAX_DELIVERIES_PAGE = 100;
const MAX_DESCRIPTION = 500;

export function createWebhookService(options: WebhookServiceOptions): WebhookService {
  const { store } = options;
  const clock = options.clock ?? (() => new Date());
  const adminOnly = (actor: Actor) => {
    if (!canOperate(actor)) throw new ForbiddenError('Only admins may manage webhooks');
  };

  return {
    async create(actor, input) {
      adminOnly(actor);
      const url = input.url.trim();
      if (url.includes('\u0000')) throw new BadInputError('input.url', NO_NUL);
      try {
        // The form first (cheap), then what the name resolves to now; the dispatcher checks again at each call.
        parseTarget(url, options.allowPrivate);
        await resolveTarget(url, options.allowPrivate);
      } catch (error) {
        if (error instanceof TargetRefused) throw new BadInputError('input.url', error.message);
        throw error;
      }
      const events = [...new Set(input.events)];
      if (events.length === 0) throw new BadInputError('input.events', 'at least one event');
      const description = input.description?.trim() || null;
      if (description && description.length > MAX_DESCRIPTION)
        throw new BadInputError('input.description', `at most ${MAX_DESCRIPTION} characters`);
      if (description?.includes('\u0000')) throw new BadInputError('input.description', NO_NUL);
      const secret = newSecret();
      const webhook = await store.create({
        id: webhookId(),
        url,
        events,
        description,
        createdAt: clock(),
        secret,
      });
      options.onChange?.(true);
      return { webhook, secret };
    },
    async delete(actor, id) {
      adminOnly(actor);
      const webhook = await store.delete(id);
      if (!webhook) throw new WebhookNotFoundError('webhook', id);
      options.onChange?.(true);
      return webhook;
    },
    async list(actor) {
      adminOnly(actor);
      return store.list();
    },
    async deliveries(actor, filter) {
      adminOnly(actor);
      const first = filter.first ?? 20;
      if (first < 1 || first > MAX_DELIVERIES_PAGE)
        throw new BadInputError('first', `a whole number from 1 to ${MAX_DELIVERIES_PAGE}`);
      return store.deliveries(
        { webhookId: filter.webhookId ?? undefined, status: filter.status ?? undefined },
        first,
      );
    },
    async redeliver(actor, id) {
      adminOnly(actor);
      const now = clock();
      const delivery = await store.redeliver(id, now, new Date(now.getTime() + RETRY_WINDOW_MS));
      if (!delivery) throw new WebhookNotFoundError('delivery', id);
      options.onChange?.(false);
      return delivery;
    },
  };
}
