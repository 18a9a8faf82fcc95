// The `messageStatus` stream, the one follow algorithm for every transport (SSE and WebSocket alike): the
// message now (or every version after `afterVersion`), then each change in version order with none skipped,
// ending once the message is final.
//
// Order of work, so that nothing falls between reading and following:
//   1. listen to the message's changes (one shared listener routes each change to its message's followers)
//   2. read the current message, or the stored log after `afterVersion`
//   3. hand out changes as the transport asks for them, dropping versions already handed out; a gap, or more
//      changes held than `maxBuffered` (a transport that does not ask, because its client reads slowly), is
//      filled from the stored log instead, so a slow client costs a log read, never a growing buffer.
import type { Actor } from '../queue/access.js';
import type { QueueEvents } from '../queue/events.js';
import type { QueueService } from '../queue/service.js';
import { isFinal } from '../queue/transitions.js';
import type { Message, MessageEvent } from '../queue/types.js';

export interface FollowOptions {
  actor: Actor;
  id: string;
  /** Replay every version after this one first; null: start from the message as it is now. */
  afterVersion: number | null;
}

export interface LiveMessages {
  /**
   * Follows one message: resolves once it is listening and has read its start (so an unknown or hidden
   * message fails here, as an error of the subscription rather than of a value).
   */
  follow(options: FollowOptions): Promise<AsyncIterableIterator<Message>>;
  /** Streams open now (tests, leak checks). */
  readonly size: number;
}

export interface LiveMessagesOptions {
  service: QueueService;
  events: QueueEvents;
  /** Changes held for one stream that is not asked for values before it reads the log instead. Default 64. */
  maxBuffered?: number;
}

export function createLiveMessages(options: LiveMessagesOptions): LiveMessages {
  const { service, events } = options;
  const maxBuffered = options.maxBuffered ?? 64;
  /** Each followed message's streams: the one stream itself (the usual case), or a set of them. */
  const byMessage = new Map<string, Follower | Set<Follower>>();
  let size = 0;
  let unlisten: (() => void) | undefined;

  const route = (event: MessageEvent) => {
    const followers = byMessage.get(event.messageId);
    if (followers instanceof Follower) followers.changed(event);
    else if (followers) for (const follower of followers) follower.changed(event);
  };

  const hub: Hub = {
    service,
    maxBuffered,
    join(follower) {
      const followers = byMessage.get(follower.id);
      if (!followers) byMessage.set(follower.id, follower);
      else if (followers instanceof Follower) byMessage.set(follower.id, new Set([followers, follower]));
      else followers.add(follower);
      size++;
      unlisten ??= events.onChange(route);
    },
    leave(follower) {
      const followers = byMessage.get(follower.id);
      if (followers === follower) byMessage.delete(follower.id);
      else if (followers instanceof Set && followers.delete(follower)) {
        if (followers.size === 1) byMessage.set(follower.id, [...followers][0]!);
      } else return;
      size--;
      if (size === 0) {
        unlisten?.();
        unlisten = undefined;
      }
    },
  };

  return {
    async follow(follow) {
      const follower = new Follower(hub, follow);
      await follower.start();
      return follower;
    },
    get size() {
      return size;
    },
  };
}

interface Hub {
  readonly service: QueueService;
  readonly maxBuffered: number;
  join(follower: Follower): void;
  leave(follower: Follower): void;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One stream. Pulled by its transport (graphql-js maps each value through the operation): a value is taken
 * only when asked for, so a transport that waits for its socket holds this stream back by itself.
 */
class Follower implements AsyncIterableIterator<Message> {
  /** The last version handed out (or `afterVersion`). */
  private last: number;
  /** Values to hand out, in version order (the first read, or a log read). */
  private ready: Message[] = [];
  /** Changes published since, not yet looked at; emptied when it overflows (the log is read instead). */
  private changes: MessageEvent[] = [];
  private overflowed = false;
  /** The final version was handed out (ends at the next ask), or the stream ended. */
  private state: 'open' | 'final' | 'ended' = 'open';
  /** The transport's pending ask, when nothing was to be had. */
  private asked: ((result: Promise<IteratorResult<Message>>) => void) | undefined;

  constructor(
    private readonly hub: Hub,
    private readonly options: FollowOptions,
  ) {
    this.last = options.afterVersion ?? 0;
  }

  get id(): string {
    return this.options.id;
  }

  /** Listens first, then reads, so no change falls between. */
  async start(): Promise<void> {
    const { actor, id, afterVersion } = this.options;
    this.hub.join(this);
    try {
      // Unknown or not visible fails here.
      const now = await this.hub.service.visible(actor, id);
      if (afterVersion === null) this.ready.push(now);
      else if (now.version > afterVersion) await this.readLog();
      // Nothing newer than afterVersion and already final: nothing to wait for.
      else if (isFinal(now)) this.state = 'final';
    } catch (error) {
      this.end();
      throw error;
    }
  }

  /** A change of this message was published. */
  changed(event: MessageEvent): void {
    if (this.state === 'ended') return;
    if (this.changes.length >= this.hub.maxBuffered) {
      this.overflowed = true;
      this.changes = [];
    } else this.changes.push(event);
    this.answer();
  }

  /** Answers a pending ask, if this change (or the end) gives it something. */
  private answer(): void {
    const asked = this.asked;
    if (!asked) return;
    const result = this.take();
    if (!result) return;
    this.asked = undefined;
    asked(result);
  }

  next(): Promise<IteratorResult<Message>> {
    // Most of a stream's life is spent waiting for a change: that wait is one bare promise, settled by `changed`
    // or `end` (not a suspended async function, whose frame would be held all along).
    return this.take() ?? new Promise((resolve) => (this.asked = resolve));
  }

  /** The next value, the end, or a log read to wait for; undefined when nothing is to be had until a change. */
  private take(): Promise<IteratorResult<Message>> | undefined {
    for (;;) {
      if (this.state === 'ended') return Promise.resolve(DONE);
      const ready = this.ready.shift();
      if (ready) {
        if (ready.version <= this.last) continue;
        this.last = ready.version;
        if (isFinal(ready)) this.state = 'final';
        return Promise.resolve({ done: false, value: ready });
      }
      if (this.state === 'final') {
        this.end();
        return Promise.resolve(DONE);
      }
      if (this.overflowed) {
        this.overflowed = false;
        return this.readLogThenNext();
      }
      const change = this.changes.shift();
      if (!change) return undefined;
      if (change.version <= this.last) continue;
      if (change.version !== this.last + 1) return this.readLogThenNext();
      this.ready.push(change.message);
    }
  }

  private readLogThenNext(): Promise<IteratorResult<Message>> {
    return this.readLog().then(
      () => this.next(),
      (error: unknown) => {
        this.end();
        throw error;
      },
    );
  }

  /** Queues every stored version after the last handed out (or queued). */
  private async readLog(): Promise<void> {
    const from = this.ready.at(-1)?.version ?? this.last;
    const { actor, id } = this.options;
    for (const event of await this.hub.service.history(actor, id, from)) {
      if (event.version > (this.ready.at(-1)?.version ?? this.last)) this.ready.push(event.message);
    }
  }

  private end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.changes = [];
    this.ready = [];
    this.hub.leave(this);
    this.answer();
  }

  return(): Promise<IteratorResult<Message>> {
    this.end();
    return Promise.resolve(DONE);
  }

  throw(error: unknown): Promise<IteratorResult<Message>> {
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    return this;
  }
}
