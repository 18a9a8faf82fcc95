// Which stored changes become webhook calls, and under which wire type: the contract's five events.
import type { MessageEvent } from '../queue/types.js';
import type { WebhookEvent } from './types.js';

/** The event kinds (transitions.ts) that any webhook may want; the log is read for these only. */
export const DELIVERED_KINDS = [
  'completed',
  'completed-review-pending',
  'dead-lettered',
  'cancelled',
  'review-approved',
  'review-rejected',
] as const;

export const WIRE_TYPES: Record<WebhookEvent, string> = {
  MESSAGE_COMPLETED: 'message.completed',
  MESSAGE_FAILED: 'message.failed',
  MESSAGE_CANCELLED: 'message.cancelled',
  REVIEW_REQUIRED: 'review.required',
  REVIEW_DECIDED: 'review.decided',
};

/** The webhook events one stored change stands for, in the order they are delivered. */
export function webhookEventsOf(event: MessageEvent): WebhookEvent[] {
  switch (event.kind) {
    case 'completed':
      return ['MESSAGE_COMPLETED'];
    // A referred quote has completed and now waits for a human: both are news to a receiver.
    case 'completed-review-pending':
      return ['MESSAGE_COMPLETED', 'REVIEW_REQUIRED'];
    case 'dead-lettered':
      return ['MESSAGE_FAILED'];
    case 'cancelled':
      return ['MESSAGE_CANCELLED'];
    case 'review-approved':
    case 'review-rejected':
      return ['REVIEW_DECIDED'];
    default:
      return [];
  }
}
