// Ids of endpoints and deliveries: a prefix that says what it is, then random (endpoints) or time-ordered
// (deliveries, so the index keyed by them grows at its end, as message ids do) bits.
import { randomBytes } from 'node:crypto';
import { newMessageId } from '../queue/ids.js';

export const webhookId = (): string => `wh_${randomBytes(16).toString('base64url')}`;
/** The `webhook-id` header of a delivery, the same on every try of it: a UUIDv7 (62 random bits) in hex. */
export const deliveryId = (): string => `msg_${newMessageId().replaceAll('-', '')}`;
