// What every resolver receives: the authenticated caller and the queue parts it may use (never SQL).
import type { Actor } from '../queue/access.js';
import type { QueueEvents } from '../queue/events.js';
import type { QueueService } from '../queue/service.js';
import type { WebhookService } from '../webhooks/service.js';
import type { LiveMessages } from './live-message.js';
import type { StatsFeed } from './live-stats.js';

export interface GraphQLContext {
  actor: Actor;
  service: QueueService;
  /** Every stored change, as it is published (subscriptions follow it). */
  events: QueueEvents;
  /** Each message's changes in version order, behind the `messageStatus` subscription. */
  messages: LiveMessages;
  /** The shared, throttled feed of queue figures behind the `queueStats` subscription. */
  stats: StatsFeed;
  /** Webhook endpoints and deliveries (admin only). */
  webhooks: WebhookService;
}
