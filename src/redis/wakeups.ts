// Wake-ups through Redis pub/sub (REDIS_URL), for deployments where PostgreSQL's LISTEN cannot run (a pooler in
// transaction mode): after each commit that appended events, this process publishes its id on the fleet's channel,
// and every other process that hears it reads the log at once. As with LISTEN, the message is only a hint: the
// event log stays the truth, so a lost or late wake-up costs latency (the log is still read now and then), never an
// event.
import type { Redis } from 'ioredis';
import type { EventFeed } from '../queue/events.js';
import type { QueueStore } from '../queue/store.js';

export interface RedisWakeupsOptions {
  /** Publishes (commands may fail while Redis is down: a wake-up is then skipped). */
  publisher: Redis;
  /** A connection of its own, in subscriber mode; resubscribes by itself after a reconnect. */
  subscriber: Redis;
  /** The fleet's key prefix (REDIS_PREFIX). */
  prefix: string;
  /** This process's id: its own wake-ups are ignored (its feed publishes its own changes). */
  origin: string;
  store: QueueStore;
  feed: EventFeed;
  onError?: (error: unknown) => void;
}

export interface RedisWakeups {
  /** Resolves once the channel is first subscribed (for tests; nothing waits for it in the service). */
  subscribed: Promise<void>;
  stop(): Promise<void>;
}

export function startRedisWakeups(options: RedisWakeupsOptions): RedisWakeups {
  const { publisher, subscriber, origin, feed } = options;
  const channel = `${options.prefix}wake`;
  let scheduled = false;
  let subscribed: () => void = () => {};
  const firstSubscription = new Promise<void>((resolve) => {
    subscribed = resolve;
  });
  subscriber.on('message', (from: string, payload: string) => {
    if (from === channel && payload !== origin) void feed.drain();
  });
  // Subscribes on every (re)connection (the first may come after start, or never while Redis is down), then
  // catches up from the log: wake-ups may have been missed meanwhile.
  const subscribe = () =>
    subscriber
      .subscribe(channel)
      .then(() => {
        subscribed();
        return feed.drain();
      })
      .catch((error) => options.onError?.(error));
  subscriber.on('ready', () => void subscribe());
  if (subscriber.status === 'ready') void subscribe();
  // One publish per turn of the event loop, however many commits it saw.
  const off = options.store.onAppended?.(() => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      publisher.publish(channel, origin).catch(() => {});
    });
  });
  return {
    subscribed: firstSubscription,
    async stop() {
      off?.();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
