// `messageStatus` over WebSocket, done once per change rather than once per subscriber: subscriptions of one
// message with the same document, variables and visibility share one execution and one serialised payload
// per change; only the frame's id differs, and each frame goes straight to its socket's writer. Every
// subscriber still gets its own first value (or replay after `afterVersion`) and its own catch-up from the
// event log, so each receives every version in order, once.
//
// A subscriber's states:
//   starting  listening to the message's changes, reading its first value (or checking access)
//   live      sent every version up to `last`: the shared path writes the next one (last + 1)
//   catching  reading the event log after `last`: after a gap, changes during a read, or a drained socket
//   waiting   its socket is backed up: nothing is written or held for it until the socket drains, then it
//             catches up from the log (so a slow reader costs a version number, not a buffer)
//   ended     final version written, failed, or returned; it has left its channel
import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import type { Actor } from '../queue/access.js';
import type { QueueEvents } from '../queue/events.js';
import { isFinal } from '../queue/transitions.js';
import type { Message, MessageEvent } from '../queue/types.js';
import { toClientError } from '../schema/errors.js';
import type { FollowOptions, MessageDelivery } from '../schema/live-message.js';
import { uniqueErrors } from './execution-guard.js';
import { type FrameWriter, flushTurn } from './frame-writer.js';

/** One subscription operation as graphql-ws received it, with what it runs with. */
export interface FanoutOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  /** The document's text: with the operation name and variables, what makes two subscriptions alike. */
  query: string;
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
  contextValue: object;
  actor: Actor;
}

/** Where one subscription's frames go. */
export interface FanoutTarget {
  writer: FrameWriter;
  /** The graphql-ws id of the subscription. */
  id: string;
  /** False once graphql-ws no longer knows the id (the client completed it): nothing more is written. */
  active(): boolean;
  /** The fan-out wrote the subscription's `complete` itself: graphql-ws must not send another. */
  completed(): void;
}

export interface MessageFanout {
  /** The delivery to register for one operation (see `deliverMessagesFor`). */
  delivery(operation: FanoutOperation, target: FanoutTarget): MessageDelivery;
  /** Subscribers being delivered to (tests, leak checks). */
  readonly size: number;
}

export interface MessageFanoutOptions {
  /** Errors masked as INTERNAL_SERVER_ERROR (as yoga masks them) are reported here. */
  onUnexpected?: (error: unknown) => void;
}

interface Channel {
  readonly id: string;
  /** The highest version published since the channel listened. */
  version: number;
  readonly groups: Map<string, Group>;
  readonly queue: MessageEvent[];
  busy: boolean;
}

/** Subscribers of one message that get the same result for the same change. */
interface Group {
  readonly key: string;
  readonly members: Set<Subscriber>;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };
/** What follows the id in a `complete` frame, less the closing brace the writer adds. */
const COMPLETE_TAIL = Buffer.from(',"type":"complete"');

/** What a subscriber asks of its fan-out. */
interface Hub {
  join(member: Subscriber, events: QueueEvents, key: string): void;
  leave(member: Subscriber): void;
  /** The operation's result for this message, as the JSON of a `next` payload (masked as yoga masks). */
  run(operation: FanoutOperation, message: Message): Buffer | Promise<Buffer>;
  /**
   * Winds up a subscriber whose final frames are queued once this pass's frames are written, or now outside a
   * pass: leaving its group and telling graphql-ws is bookkeeping, and 10,000 of them need not hold back the bytes.
   */
  windAfterFlush(member: Subscriber): void;
}

export function createMessageFanout(options: MessageFanoutOptions = {}): MessageFanout {
  const channels = new Map<string, Channel>();
  let size = 0;
  let unlisten: (() => void) | undefined;
  /** Subscribers ended by the pass under way, wound up once its frames are written; null outside a pass. */
  let ending: Subscriber[] | null = null;

  function windAfterFlush(member: Subscriber): void {
    if (ending) ending.push(member);
    else member.windUp();
  }

  /** Writes what the pass queued, then winds up the subscribers it ended. */
  function flushPass(): void {
    flushTurn();
    const ended = ending;
    ending = null;
    if (ended) for (const member of ended) member.windUp();
  }

  function payloadOf(result: ExecutionResult): Buffer {
    if (!result.errors) return Buffer.from(JSON.stringify(result));
    const { errors, ...rest } = result;
    const masked = uniqueErrors(errors).map((e) => toClientError(e, options.onUnexpected).toJSON());
    return Buffer.from(JSON.stringify({ ...rest, errors: masked }));
  }

  function run(operation: FanoutOperation, message: Message): Buffer | Promise<Buffer> {
    // A throw is a fault of ours: masked and logged like a resolver's, as a value of this change.
    const failed = (error: unknown) => payloadOf({ errors: [error as GraphQLError] });
    try {
      const result = execute({
        schema: operation.schema,
        document: operation.document,
        rootValue: message,
        contextValue: operation.contextValue,
        variableValues: operation.variableValues,
        operationName: operation.operationName,
      });
      return isPromise(result) ? result.then(payloadOf, failed) : payloadOf(result);
    } catch (error) {
      return failed(error);
    }
  }

  function onChange(event: MessageEvent): void {
    const channel = channels.get(event.messageId);
    if (!channel) return;
    if (event.version > channel.version) channel.version = event.version;
    channel.queue.push(event);
    if (!channel.busy) pump(channel);
  }

  /** Delivers the channel's changes one at a time, in order; an execution that has to wait holds the rest. */
  function pump(channel: Channel): void {
    channel.busy = true;
    ending ??= [];
    while (channel.queue.length > 0) {
      const event = channel.queue.shift()!;
      const groups = channel.groups.values();
      for (const group of groups) {
        const pending = deliver(group, event);
        if (!pending) continue;
        // Rare (an asynchronous field): the rest of this change, then the queue, after it.
        flushPass();
        void pending
          .then(async () => {
            for (const rest of groups) await deliver(rest, event);
          })
          .catch(options.onUnexpected)
          .finally(() => pump(channel));
        return;
      }
    }
    // Out to the sockets before the subscriptions this pass ended are wound up, and before any promise job.
    flushPass();
    channel.busy = false;
  }

  /**
   * Writes one change to every live member of a group that is due for it: one execution, one payload, one
   * frame each. Returns a promise only when the execution had to wait (a field read asynchronously).
   */
  function deliver(group: Group, event: MessageEvent, payload?: Buffer): Promise<void> | undefined {
    const final = isFinal(event.message);
    for (const member of group.members) {
      if (member.state !== 'live' || event.version <= member.last) continue;
      if (event.version > member.last + 1) {
        void member.catchUp();
        continue;
      }
      if (!member.target.active()) continue;
      if (member.target.writer.backedUp) {
        member.waitForDrain();
        continue;
      }
      if (payload === undefined) {
        const result = run(member.operation, event.message);
        // Rare: the group again once the payload is known (those passed were not due, or now catch up).
        if (isPromise(result)) return result.then((json) => deliver(group, event, json));
        payload = result;
      }
      member.write(payload, event.version, final);
    }
    return undefined;
  }

  function join(member: Subscriber, events: QueueEvents, key: string): void {
    let channel = channels.get(member.messageId);
    if (!channel) {
      channel = { id: member.messageId, version: 0, groups: new Map(), queue: [], busy: false };
      channels.set(channel.id, channel);
      unlisten ??= events.onChange(onChange);
    }
    let group = channel.groups.get(key);
    if (!group) {
      group = { key, members: new Set() };
      channel.groups.set(group.key, group);
    }
    group.members.add(member);
    member.channel = channel;
    member.group = group;
    size++;
  }

  function leave(member: Subscriber): void {
    const { channel, group } = member;
    if (!channel || !group?.members.delete(member)) return;
    size--;
    if (group.members.size === 0) channel.groups.delete(group.key);
    if (channel.groups.size === 0) channels.delete(channel.id);
    if (channels.size === 0) {
      unlisten?.();
      unlisten = undefined;
    }
  }

  const hub: Hub = { join, leave, run, windAfterFlush };

  return {
    delivery(operation, target) {
      return {
        async follow(follow) {
          const member = new Subscriber(hub, operation, target, follow);
          await member.start(keyOf(operation));
          return member;
        },
      };
    },
    get size() {
      return size;
    },
  };
}

/** One subscription: its place in a group, its progress, and the stream graphql-ws iterates (it yields nothing). */
class Subscriber implements AsyncIterableIterator<never> {
  state: 'starting' | 'live' | 'catching' | 'waiting' | 'ended' = 'starting';
  /** The last version written to this subscriber. */
  last = 0;
  channel: Channel | undefined;
  group: Group | undefined;
  private resolveNext: ((result: IteratorReturnResult<undefined>) => void) | undefined;
  private rejectNext: ((error: unknown) => void) | undefined;
  private failure: unknown;
  /** The frame up to its payload: `{"id":<id>,"type":"next","payload":`. */
  private readonly head: Buffer;
  /** Where the id ends in `head`: a `complete` frame is `head` up to there and `COMPLETE_TAIL`. */
  private readonly idEnd: number;

  constructor(
    private readonly hub: Hub,
    readonly operation: FanoutOperation,
    readonly target: FanoutTarget,
    readonly follow: FollowOptions,
  ) {
    const id = JSON.stringify(target.id);
    this.head = Buffer.from(`{"id":${id},"type":"next","payload":`);
    this.idEnd = Buffer.byteLength(`{"id":${id}`);
  }

  get messageId(): string {
    return this.follow.id;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /** Listens first, then reads (so nothing falls between), sends the first value or replay, then goes live. */
  async start(key: string): Promise<void> {
    const { service, actor, id, afterVersion } = this.follow;
    let now: Message;
    this.hub.join(this, this.follow.events, key);
    try {
      // Unknown or not visible fails here, as an error of the subscription rather than of an event.
      now = await service.visible(actor, id);
      if (afterVersion === null) {
        if (this.target.active())
          this.write(await this.hub.run(this.operation, now), now.version, isFinal(now));
        else this.last = now.version;
      } else {
        this.last = afterVersion;
        // Nothing newer than afterVersion: if the message is already final, there is nothing to wait for.
        if (now.version <= afterVersion && isFinal(now)) this.finish();
      }
    } catch (error) {
      this.end();
      throw error;
    }
    if (this.state === 'starting') void this.catchUp(now.version);
  }

  /**
   * Writes every stored version after `last` (up to `known` at least: a replay's newest version is in the
   * log before any change of it is published), then goes live once nothing newer has been published.
   */
  async catchUp(known = 0): Promise<void> {
    if (this.ended) return;
    this.state = 'catching';
    const { service, actor, id } = this.follow;
    try {
      for (;;) {
        const from = this.last;
        if (Math.max(this.channel!.version, known) > from) {
          for (const event of await service.history(actor, id, from)) {
            if (this.ended || !this.target.active()) return;
            if (event.version <= this.last) continue;
            if (this.target.writer.backedUp) return this.waitForDrain();
            const payload = await this.hub.run(this.operation, event.message);
            if (this.ended) return;
            this.write(payload, event.version, isFinal(event.message));
            if (this.ended) return;
          }
        }
        // Nothing newer was published meanwhile (or the log had nothing more: the next change retries).
        if (this.channel!.version <= this.last || this.last === from) {
          this.state = 'live';
          return;
        }
      }
    } catch (error) {
      this.end(error);
    }
  }

  waitForDrain(): void {
    this.state = 'waiting';
    this.target.writer.whenDrained(() => {
      if (this.state === 'waiting') void this.catchUp();
    });
  }

  /** Writes the value of `version` (`final`: the message's last), then ends if it was the last. */
  write(payload: Buffer, version: number, final: boolean): void {
    this.target.writer.frame(this.head, payload);
    this.last = version;
    if (final) this.finish();
  }

  /**
   * Ends after the final value, with the `complete` frame in the same write as that value: graphql-ws's
   * own complete goes through ws one frame at a time, ~10 us each, 100 ms for 10,000 subscribers.
   */
  private finish(): void {
    if (this.state === 'ended') return;
    if (!this.target.active()) {
      this.end();
      return;
    }
    // The head up to the id, no new bytes nor a view: cheaper than encoding a frame anew for each of 10,000 ends.
    this.target.writer.frame(this.head, COMPLETE_TAIL, this.idEnd);
    // Ended from here on (nothing more is written to it); the rest once the frames are out.
    this.state = 'ended';
    this.hub.windAfterFlush(this);
  }

  /** After `finish`: graphql-ws must not send a complete of its own, and the stream ends. */
  windUp(): void {
    this.target.completed();
    this.wind();
  }

  /** Ends the stream: done, or `error` for graphql-ws to send as the subscription's error. */
  end(error?: unknown): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.wind(error);
  }

  /** Leaves the group and ends graphql-ws's iteration: done, or `error` for it to send. */
  private wind(error?: unknown): void {
    this.hub.leave(this);
    const resolve = this.resolveNext;
    const reject = this.rejectNext;
    this.resolveNext = this.rejectNext = undefined;
    if (error === undefined) resolve?.(DONE);
    else if (reject) reject(error);
    else this.failure = error;
  }

  next(): Promise<IteratorResult<never>> {
    if (this.state !== 'ended') {
      return new Promise((resolve, reject) => {
        this.resolveNext = resolve;
        this.rejectNext = reject;
      });
    }
    const failure = this.failure;
    if (failure === undefined) return Promise.resolve(DONE);
    this.failure = undefined;
    return Promise.reject(failure);
  }

  return(): Promise<IteratorResult<never>> {
    this.end();
    return Promise.resolve(DONE);
  }

  throw(error: unknown): Promise<IteratorResult<never>> {
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<never> {
    return this;
  }
}

/**
 * What makes two subscriptions' results equal for the same change: the document, operation and variables,
 * and what the resolvers can tell apart about the actor. Reviewers and admins read every message alike;
 * a submitter reads only its own, so each submitter is its own scope.
 */
function keyOf(operation: FanoutOperation): string {
  const { actor } = operation;
  const scope = actor.role === 'submitter' ? `submitter:${actor.id}` : actor.role;
  return `${scope}\n${operation.operationName ?? ''}\n${JSON.stringify(operation.variableValues ?? null)}\n${operation.query}`;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}
