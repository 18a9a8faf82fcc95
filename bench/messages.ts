// New messages for the workloads that fill a store directly: a plain quote's payload, owner `bench`, due now.
import { newMessageId } from '../src/queue/ids.js';
import type { NewMessage } from '../src/queue/types.js';

export const BENCH_PAYLOAD = {
  applicantName: 'Bench',
  address: '1 Main St, Austin, TX 78701',
  coverageAmount: 250_000,
};

export function benchMessage(over: Partial<NewMessage> = {}): NewMessage {
  return {
    id: newMessageId(),
    priority: 'NORMAL',
    payload: BENCH_PAYLOAD,
    options: null,
    maxRetries: 3,
    timeoutSeconds: 300,
    owner: 'bench',
    idempotencyKey: null,
    createdAt: new Date(),
    ...over,
  };
}
