// The `messageStatus` stream: the message now (or every version after `afterVersion`), then each change
// in version order with none skipped, ending once the message is final.
//
// Order of work, so that nothing falls between reading and following:
//   1. listen to changes (buffered, bounded)   2. read the current message or replay the history
//   3. forward buffered/live changes, dropping versions already sent; a gap (or a buffer overflow, when
//      the client reads slowly) is filled from the event log rather than by buffering without bound.
import { Repeater } from '@graphql-yoga/subscription';
import type { Actor } from '../queue/access.js';
import type { QueueEvents } from '../queue/events.js';
import type { QueueService } from '../queue/service.js';
import { isFinal } from '../queue/transitions.js';
import type { Message, MessageEvent } from '../queue/types.js';

export interface FollowOptions {
  service: QueueService;
  events: QueueEvents;
  actor: Actor;
  id: string;
  /** Replay every version after this one first; null: start from the message as it is now. */
  afterVersion: number | null;
  /** Changes held for a slow client before it is caught up from the event log instead. Default 256. */
  maxBuffered?: number;
}

/**
 * A transport that delivers `messageStatus` values itself, registered for one operation's context (the
 * WebSocket fan-out: one execution and one serialisation per change for every identical subscription). It
 * keeps the order above (listen, read, forward, fill gaps from the log), checks visibility as `visible`
 * does, writes every version itself, and returns a stream that yields nothing: it ends when the message is
 * final, throws what ended it, and releases everything when returned.
 */
export interface MessageDelivery {
  follow(options: FollowOptions): Promise<AsyncIterableIterator<never>>;
}

const deliveries = new WeakMap<object, MessageDelivery>();

/** Hands the `messageStatus` values of the operation with this context to `delivery`. */
export function deliverMessagesFor(context: object, delivery: MessageDelivery): void {
  deliveries.set(context, delivery);
}

/** The transport's own delivery for this operation, if it has one (WebSocket); none for SSE. */
export function deliveryFor(context: object): MessageDelivery | undefined {
  return deliveries.get(context);
}

/** Follows one message; the caller has already checked that the actor may see it. */
export function followMessage(options: FollowOptions): Repeater<Message> {
  const { service, events, actor, id } = options;
  const maxBuffered = options.maxBuffered ?? 256;

  return new Repeater<Message>(async (push, stop) => {
    let buffer: MessageEvent[] = [];
    let overflowed = false;
    let wake: (() => void) | null = null;
    let stopped = false;
    let last = options.afterVersion ?? 0;

    const off = events.onChange((event) => {
      if (event.messageId !== id) return;
      if (buffer.length >= maxBuffered) {
        overflowed = true;
        buffer = [];
      } else {
        buffer.push(event);
      }
      wake?.();
    });
    void stop.then(() => {
      stopped = true;
      off();
      wake?.();
    });

    /** Sends one version; true when it is the last the client will get. */
    const send = async (message: Message): Promise<boolean> => {
      last = message.version;
      await push(message);
      return isFinal(message);
    };

    /** Sends every stored version after the last sent; true when the message is final. */
    const catchUp = async (): Promise<boolean> => {
      for (const event of await service.history(actor, id, last)) {
        if (stopped) return true;
        if (event.version <= last) continue;
        if (await send(event.message)) return true;
      }
      return false;
    };

    try {
      if (options.afterVersion === null) {
        if (await send(await service.visible(actor, id))) return stop();
      } else {
        if (await catchUp()) return stop();
        // Nothing newer than afterVersion: if the message is already final, there is nothing to wait for.
        const now = await service.visible(actor, id);
        if (now.version <= last && isFinal(now)) return stop();
      }
      while (!stopped) {
        if (overflowed) {
          overflowed = false;
          buffer = [];
          if (await catchUp()) break;
          continue;
        }
        const event = buffer.shift();
        if (!event) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = null;
          continue;
        }
        if (event.version <= last) continue;
        if (event.version > last + 1) {
          if (await catchUp()) break;
          continue;
        }
        if (await send(event.message)) break;
      }
      stop();
    } catch (error) {
      stop(error);
    } finally {
      off();
    }
  });
}
