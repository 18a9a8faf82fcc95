// New messages for tests of the queue and its stores: unique ids, NORMAL priority, created at T0 unless told.
import type { NewMessage } from '../../src/queue/types.js';

/** The fixed "now" of store tests (a fake clock: times are passed to the store, never read from the machine). */
export const T0 = new Date('2026-01-01T00:00:00.000Z');
let n = 0;

export function newMessage(over: Partial<NewMessage> = {}): NewMessage {
  n++;
  return {
    id: `msg-${n}-${Math.random().toString(36).slice(2, 8)}`,
    priority: 'NORMAL',
    payload: { n },
    options: null,
    maxRetries: 3,
    timeoutSeconds: 30,
    owner: 'alice',
    idempotencyKey: null,
    createdAt: T0,
    ...over,
  };
}
