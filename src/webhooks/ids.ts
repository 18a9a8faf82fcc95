// Ids of endpoints and deliveries: a prefix that says what it is, then 128 random bits (base64url).
import { randomBytes } from 'node:crypto';

export const webhookId = (): string => `wh_${randomBytes(16).toString('base64url')}`;
/** The `webhook-id` header of a delivery: the same on every try of it. */
export const deliveryId = (): string => `msg_${randomBytes(16).toString('base64url')}`;
