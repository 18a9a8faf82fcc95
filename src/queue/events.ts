// The typed pub-sub every stored change is published on, and the feed that fills it from the event log.
import { createPubSub, type PubSub } from '@graphql-yoga/subscription';
import type { QueueStore } from './store.js';
import type { MessageEvent } from './types.js';

/** Topics: one per message (subscriptions of one message) and one for the whole queue (workers, stats). */
export type QueueTopics = {
  message: [messageId: string, event: MessageEvent];
  queue: [event: MessageEvent];
};

export interface QueueEvents {
  pubsub: PubSub<QueueTopics>;
  /** Listens to every change synchronously, without a buffer (workers, stats); returns the unsubscribe. */
  onChange(listener: (event: MessageEvent) => void): () => void;
  publish(event: MessageEvent): void;
  /** How many `onChange` listeners are attached (for metrics and leak tests). */
  listenerCount(): number;
}

export function createQueueEvents(): QueueEvents {
  const target = new EventTarget();
  const pubsub = createPubSub<QueueTopics>({ eventTarget: target });
  const listeners = new Set<(event: MessageEvent) => void>();
  return {
    pubsub,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish(event) {
      for (const listener of listeners) listener(event);
      pubsub.publish('message', event.messageId, event);
      pubsub.publish('queue', event);
    },
    listenerCount: () => listeners.size,
  };
}

export interface EventFeedOptions {
  store: QueueStore;
  events: QueueEvents;
  /** How often to look for changes made by other processes. Default 50 ms. */
  pollMs?: number;
  onError?: (error: unknown) => void;
}

export interface EventFeed {
  start(): Promise<void>;
  /** A change was just committed in this process: publish it now rather than at the next poll. */
  nudge(): void;
  /** Publishes everything stored so far; resolves when done. */
  drain(): Promise<void>;
  stop(): void;
  readonly position: number;
}

/**
 * Follows the event log from where it stood at start and publishes each event once, in log order. Changes
 * of this process arrive through `nudge()` at once; other processes' changes are noticed by polling a cheap
 * change token (SQLite's data_version), so every subscriber sees every change wherever it was made.
 * In SQLite a writer holds the only write lock, so log positions commit in order and none is skipped.
 */
export function createEventFeed(options: EventFeedOptions): EventFeed {
  const { store, events } = options;
  const pollMs = options.pollMs ?? 50;
  let position = 0;
  let token = -1;
  let timer: NodeJS.Timeout | undefined;
  let scheduled = false;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function readAll(): Promise<void> {
    for (;;) {
      const batch = await store.eventsAfter(position, 1000);
      for (const event of batch) {
        position = event.seq;
        events.publish(event);
      }
      if (batch.length < 1000) return;
    }
  }

  function drain(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await readAll();
        } while (again && !stopped);
      } catch (error) {
        options.onError?.(error);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  async function poll(): Promise<void> {
    try {
      const now = await store.changeToken();
      if (now !== token) {
        token = now;
        await drain();
      }
    } catch (error) {
      options.onError?.(error);
    }
    if (!stopped) timer = setTimeout(poll, pollMs).unref();
  }

  return {
    async start() {
      position = await store.lastEventSeq();
      token = await store.changeToken();
      timer = setTimeout(poll, pollMs).unref();
    },
    nudge() {
      if (scheduled || stopped) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        void drain();
      });
    },
    drain,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    get position() {
      return position;
    },
  };
}
