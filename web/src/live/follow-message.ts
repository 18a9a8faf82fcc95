// Follows one message: applies every version once, in order, and resumes after the last one applied
// (`afterVersion`) whether the next stream comes over WebSocket, SSE or a poll of the event log.

import { follow } from './follow.js';
import type { LiveLink } from './link.js';
import type { GraphQLErrorShape, Mode, StreamRequest } from './types.js';

/** The least a message version needs for following. */
export interface Versioned {
  version: number;
  status: string;
  deadLettered: boolean;
  review: { state: string };
}

/** Final: nothing more will happen to it (the server ends its stream then). */
export function isFinal(message: Versioned): boolean {
  if (message.status === 'CANCELLED') return true;
  if (message.status === 'FAILED') return message.deadLettered;
  return message.status === 'COMPLETED' && message.review.state !== 'PENDING';
}

export interface FollowMessageOptions<M extends Versioned> {
  link: LiveLink;
  /** The `messageStatus` subscription for this message, resuming after `afterVersion` (null: from now). */
  subscription: (afterVersion: number | null) => StreamRequest;
  /** Picks the message out of a subscription result's data. */
  fromData: (data: unknown) => M | null;
  /** Every version after `afterVersion`, oldest first (the event log), ending with the message now. */
  poll: (afterVersion: number) => Promise<M[]>;
  onVersion: (message: M) => void;
  onError: (error: GraphQLErrorShape | null, fatal: boolean) => void;
  onMode?: (mode: Mode) => void;
  /** Start after this version (e.g. a mutation already returned it). */
  afterVersion?: number | null;
  pollEveryMs?: number;
}

export function followMessage<M extends Versioned>(options: FollowMessageOptions<M>): () => void {
  let last: number | null = options.afterVersion ?? null;
  let final = false;

  const apply = (message: M) => {
    if (last !== null && message.version <= last) return;
    last = message.version;
    if (isFinal(message)) final = true;
    options.onVersion(message);
  };

  return follow({
    link: options.link,
    request: () => options.subscription(last),
    onData: (data) => {
      const message = options.fromData(data);
      if (message) apply(message);
    },
    poll: async () => {
      for (const message of await options.poll(last ?? 0)) apply(message);
    },
    done: () => final,
    onError: options.onError,
    onMode: options.onMode,
    pollEveryMs: options.pollEveryMs,
  });
}
