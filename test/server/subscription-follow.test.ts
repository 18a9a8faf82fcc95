// messageStatus over WebSocket, many subscriptions on a socket: every subscriber gets every version in order
// under its own id, its own first value, its own selection, only what its key may see, and a slow reader
// catches up from the event log without holding up the others or growing the server's memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ENGINES } from '../helpers/postgres.js';
import {
  collectWs,
  type Status,
  SUBMISSION,
  SUBMIT,
  type Submitted,
  startTestServer,
  submitPaused as submitPausedOn,
  type TestServer,
  waitForEvent,
} from '../helpers/server.js';
import { settledHeapBytes } from '../soak/gc.js';

const FOLLOW = 'subscription($id: ID!) { messageStatus(id: $id) { id status version } }';

/** A graphql-transport-ws client on a raw socket: every frame as it arrived, so ids and order can be checked. */
class RawSocket {
  readonly frames: { id?: string; type: string; payload?: unknown }[] = [];
  private waiters: { until: () => boolean; resolve: () => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)));
      const met = this.waiters.filter((w) => w.until());
      this.waiters = this.waiters.filter((w) => !met.includes(w));
      for (const w of met) w.resolve();
    });
  }

  static async open(url: string, authorization?: string): Promise<RawSocket> {
    const ws = new WebSocket(url, 'graphql-transport-ws');
    ws.on('error', () => {});
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    const raw = new RawSocket(ws);
    ws.send(JSON.stringify({ type: 'connection_init', payload: authorization ? { authorization } : {} }));
    await raw.until(() => raw.frames.some((f) => f.type === 'connection_ack'));
    return raw;
  }

  subscribe(id: string, query: string, variables: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }

  complete(id: string): void {
    this.ws.send(JSON.stringify({ id, type: 'complete' }));
  }

  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ until: condition, resolve }));
  }

  of(id: string) {
    return this.frames.filter((f) => f.id === id);
  }

  /** The data of every `next` frame of one subscription. */
  values<T>(id: string): T[] {
    return this.of(id)
      .filter((f) => f.type === 'next')
      .map((f) => (f.payload as { data: T }).data);
  }

  completed(id: string): boolean {
    return this.of(id).some((f) => f.type === 'complete');
  }

  close(): void {
    this.ws.terminate();
  }
}

function versions(values: Status[]): number[] {
  return values.map((v) => v.messageStatus.version);
}

function consecutiveFrom(first: number, list: number[]): number[] {
  return list.map((_, i) => first + i);
}

describe.each(ENGINES)('subscriptions followed over WebSocket on %s', (engine) => {
  describe('messageStatus over WebSocket', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ ALLOW_FAULT_INJECTION: 'true', WORKER_CONCURRENCY: '2' }, { engine });
    });
    afterAll(() => t.stop());

    const submitPaused = (input?: Record<string, unknown>) => submitPausedOn(t, input);

    it('sends every version, in order, to 300 subscribers of one selection, each under its own id', async () => {
      const id = await submitPaused({ maxRetries: 2, simulate: { failAttempts: 2 } });
      const open = t.server.openSubscriptions;
      const sockets = await Promise.all([1, 2, 3].map(() => RawSocket.open(t.wsUrl)));
      const ids = sockets.map((_, s) => Array.from({ length: 100 }, (_, n) => `s${s}-${n}`));
      sockets.forEach((socket, s) => {
        for (const sub of ids[s]!) socket.subscribe(sub, FOLLOW, { id });
      });
      await Promise.all(
        sockets.map((socket, s) => socket.until(() => ids[s]!.every((i) => socket.of(i).length > 0))),
      );
      t.runtime.worker?.resume();
      await Promise.all(
        sockets.map((socket, s) => socket.until(() => ids[s]!.every((i) => socket.completed(i)))),
      );

      const expected = versions(sockets[0]!.values<Status>('s0-0'));
      expect(expected).toEqual(consecutiveFrom(1, expected));
      expect(expected.length).toBeGreaterThanOrEqual(7); // enqueued, 2 x (claimed, retry), claimed, completed
      sockets.forEach((socket, s) => {
        for (const sub of ids[s]!) {
          const values = socket.values<Status>(sub);
          expect(versions(values)).toEqual(expected);
          expect(values.every((v) => v.messageStatus.id === id)).toBe(true);
          expect(values.at(-1)!.messageStatus.status).toBe('COMPLETED');
          // One complete, and nothing for this id after it.
          expect(socket.of(sub).filter((f) => f.type === 'complete')).toHaveLength(1);
          expect(socket.of(sub).at(-1)!.type).toBe('complete');
        }
        // Every frame on the socket belongs to one of its own subscriptions.
        const own = new Set(ids[s]);
        expect(socket.frames.filter((f) => f.id !== undefined && !own.has(f.id))).toEqual([]);
      });
      // Wound up on the server once their frames were out, with the sockets still open.
      await expect.poll(() => t.server.openSubscriptions).toBe(open);
      for (const socket of sockets) socket.close();
    });

    it('gives subscriptions with other selections or variables their own results', async () => {
      const first = await submitPaused();
      const second = await submitPaused();
      const socket = await RawSocket.open(t.wsUrl);
      socket.subscribe('narrow', 'subscription($id: ID!) { messageStatus(id: $id) { version } }', {
        id: first,
      });
      socket.subscribe(
        'wide',
        'subscription($id: ID!) { messageStatus(id: $id) { id status version review { state } } }',
        { id: first },
      );
      socket.subscribe('aliased', 'subscription($id: ID!) { m: messageStatus(id: $id) { v: version } }', {
        id: first,
      });
      socket.subscribe('other', FOLLOW, { id: second });
      socket.subscribe('same', FOLLOW, { id: first });
      const all = ['narrow', 'wide', 'aliased', 'other', 'same'];
      await socket.until(() => all.every((i) => socket.of(i).length > 0));
      t.runtime.worker?.resume();
      await socket.until(() => all.every((i) => socket.completed(i)));

      const narrow = socket.values<{ messageStatus: Record<string, unknown> }>('narrow');
      const wide = socket.values<{ messageStatus: Record<string, unknown> }>('wide');
      const aliased = socket.values<{ m: { v: number } }>('aliased');
      expect(narrow.length).toBeGreaterThanOrEqual(3);
      expect(narrow.every((v) => Object.keys(v.messageStatus).join() === 'version')).toBe(true);
      expect(wide.every((v) => Object.keys(v.messageStatus).join() === 'id,status,version,review')).toBe(
        true,
      );
      expect(wide.map((v) => v.messageStatus.version)).toEqual(narrow.map((v) => v.messageStatus.version));
      expect(aliased.map((v) => v.m.v)).toEqual(narrow.map((v) => v.messageStatus.version));
      expect(socket.values<Status>('other').every((v) => v.messageStatus.id === second)).toBe(true);
      expect(socket.values<Status>('same').every((v) => v.messageStatus.id === first)).toBe(true);
      expect(versions(socket.values<Status>('same'))).toEqual(narrow.map((v) => v.messageStatus.version));
      socket.close();
    });

    it('gives a subscriber that joins later its own first value, then the changes both see', async () => {
      t.runtime.worker?.resume();
      const claimed = waitForEvent(t.runtime, (e) => e.kind === 'claimed').then((e) => e.messageId);
      await t.gql(SUBMIT, { input: { submission: SUBMISSION, simulate: { processingMs: 400 } } });
      const id = await claimed;
      const socket = await RawSocket.open(t.wsUrl);
      socket.subscribe('early', FOLLOW, { id });
      await socket.until(() => socket.values('early').length > 0);
      socket.subscribe('late', FOLLOW, { id });
      socket.subscribe(
        'resumed',
        'subscription($id: ID!, $after: Int) { messageStatus(id: $id, afterVersion: $after) { id status version } }',
        { id, after: 0 },
      );
      await socket.until(() => ['early', 'late', 'resumed'].every((i) => socket.completed(i)));

      const early = versions(socket.values<Status>('early'));
      const late = versions(socket.values<Status>('late'));
      expect(socket.values<Status>('early')[0]!.messageStatus.status).toBe('PROCESSING');
      expect(early).toEqual(consecutiveFrom(early[0]!, early));
      expect(late).toEqual(early);
      // A replay from version 0 gets the whole history, its own first values.
      expect(versions(socket.values<Status>('resumed'))).toEqual(consecutiveFrom(1, [1, ...early]));
      socket.close();
    });

    it('keeps the others going when one unsubscribes, and sends that one nothing more', async () => {
      const id = await submitPaused({ maxRetries: 1, simulate: { failAttempts: 1 } });
      const socket = await RawSocket.open(t.wsUrl);
      for (const sub of ['a', 'b', 'c']) socket.subscribe(sub, FOLLOW, { id });
      await socket.until(() => ['a', 'b', 'c'].every((i) => socket.values(i).length === 1));
      socket.complete('b');
      await expect.poll(() => t.server.openSubscriptions).toBe(2);
      t.runtime.worker?.resume();
      await socket.until(() => socket.completed('a') && socket.completed('c'));

      expect(versions(socket.values<Status>('b'))).toEqual([1]);
      expect(socket.of('b').map((f) => f.type)).toEqual(['next']);
      const a = versions(socket.values<Status>('a'));
      expect(a).toEqual(consecutiveFrom(1, a));
      expect(a.length).toBeGreaterThanOrEqual(5);
      expect(versions(socket.values<Status>('c'))).toEqual(a);
      socket.close();
    });

    it('ends a subscription to a final message with exactly one complete, and leaves nothing open', async () => {
      const id = await submitPaused();
      const cancelled = await t.gql('mutation($id: ID!) { cancelMessage(id: $id) { version } }', { id });
      expect(cancelled.errors).toBeUndefined();
      const final = (cancelled.data as { cancelMessage: { version: number } }).cancelMessage.version;
      const open = t.server.openSubscriptions;
      const socket = await RawSocket.open(t.wsUrl);
      const RESUME =
        'subscription($id: ID!, $after: Int) { messageStatus(id: $id, afterVersion: $after) { id status version } }';
      socket.subscribe('now', FOLLOW, { id });
      socket.subscribe('caught-up', RESUME, { id, after: final });
      socket.subscribe('behind', RESUME, { id, after: final - 1 });
      await socket.until(() => ['now', 'caught-up', 'behind'].every((i) => socket.completed(i)));
      // One complete after the final value, none after a resume that has nothing newer.
      expect(socket.of('now').map((f) => f.type)).toEqual(['next', 'complete']);
      expect(socket.values<Status>('now')[0]!.messageStatus).toMatchObject({
        status: 'CANCELLED',
        version: final,
      });
      expect(socket.of('caught-up').map((f) => f.type)).toEqual(['complete']);
      expect(socket.of('behind').map((f) => f.type)).toEqual(['next', 'complete']);
      await expect.poll(() => t.server.openSubscriptions).toBe(open);
      // The ids are free again: a new subscription under one of them runs as a fresh one.
      socket.subscribe('now', FOLLOW, { id });
      await socket.until(() => socket.of('now').length === 4);
      expect(socket.of('now').map((f) => f.type)).toEqual(['next', 'complete', 'next', 'complete']);
      socket.close();
    });

    it('lets a subscriber whose socket stops reading catch up from the log, without holding up the others', async () => {
      // Each value ~40 KB (100 aliases of the payload): 100 subscriptions x ~7 versions would hold ~30 MB if
      // the server kept them for the socket that does not read.
      const payloads = Array.from({ length: 100 }, (_, n) => `p${n}: payload`).join(' ');
      const fat = `subscription($id: ID!) { messageStatus(id: $id) { id status version ${payloads} } }`;
      const address = `${'12 Main St, Austin, TX 78701 '.repeat(15)}`.trim();
      const id = await submitPaused({
        submission: { ...SUBMISSION, address },
        maxRetries: 2,
        simulate: { failAttempts: 2 },
      });
      const slow = await RawSocket.open(t.wsUrl);
      const subs = Array.from({ length: 100 }, (_, n) => `slow-${n}`);
      for (const sub of subs) slow.subscribe(sub, fat, { id });
      await slow.until(() => subs.every((s) => slow.values(s).length === 1));
      slow.ws.pause(); // stops reading: the kernel buffers fill and the server's socket backs up

      const heapBefore = settledHeapBytes() + process.memoryUsage().arrayBuffers;
      const fast = t.ws();
      const fastDone = collectWs<Status>(fast, fat, { id });
      await expect.poll(() => t.server.openSubscriptions).toBe(101);
      t.runtime.worker?.resume();
      const fastValues = await fastDone;
      expect(fastValues.at(-1)!.messageStatus.status).toBe('COMPLETED');
      const all = versions(fastValues);
      expect(all).toEqual(consecutiveFrom(1, all));
      const grownMb = (settledHeapBytes() + process.memoryUsage().arrayBuffers - heapBefore) / 1e6;
      expect(grownMb).toBeLessThan(12);

      slow.ws.resume();
      await slow.until(() => subs.every((s) => slow.completed(s)));
      for (const sub of subs) {
        const values = slow.values<Status>(sub);
        expect(versions(values)).toEqual(all);
        expect(values.at(-1)!.messageStatus.status).toBe('COMPLETED');
      }
      slow.close();
    });
  });

  describe('messageStatus over WebSocket with keys', () => {
    const OWNER = 'owner-key-0123456789';
    const OTHER = 'other-key-0123456789';
    const ADMIN = 'admin-key-0123456789';
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(
        {
          API_KEYS: `${OWNER}:submitter,${OTHER}:submitter,${ADMIN}:admin`,
          RATE_LIMIT_PER_SECOND: '1000',
          WORKER_CONCURRENCY: '1',
        },
        { engine },
      );
    });
    afterAll(() => t.stop());

    it('does not share what one key may see with another, for the same document and variables', async () => {
      t.runtime.worker?.pause();
      const res = await t.gql<Submitted>(SUBMIT, { input: { submission: SUBMISSION } }, OWNER);
      const id = res.data!.submitQuote.messageId;
      const owner = await RawSocket.open(t.wsUrl, `Bearer ${OWNER}`);
      const admin = await RawSocket.open(t.wsUrl, `Bearer ${ADMIN}`);
      const other = await RawSocket.open(t.wsUrl, `Bearer ${OTHER}`);
      const query =
        'subscription($id: ID!) { messageStatus(id: $id) { id status version attempts { attempt } } }';
      for (const [socket, name] of [
        [owner, 'owner'],
        [admin, 'admin'],
        [other, 'other'],
      ] as const) {
        socket.subscribe(`${name}-1`, query, { id });
        socket.subscribe(`${name}-2`, query, { id });
      }
      await other.until(() => other.of('other-1').length > 0 && other.of('other-2').length > 0);
      await owner.until(() => owner.values('owner-1').length > 0 && owner.values('owner-2').length > 0);
      await admin.until(() => admin.values('admin-1').length > 0 && admin.values('admin-2').length > 0);
      t.runtime.worker?.resume();
      await owner.until(() => owner.completed('owner-1') && owner.completed('owner-2'));
      await admin.until(() => admin.completed('admin-1') && admin.completed('admin-2'));

      // Another submitter's message reads as unknown, before and after the changes the others receive.
      for (const sub of ['other-1', 'other-2']) {
        const frames = other.of(sub);
        expect(frames.filter((f) => f.type === 'next' && (f.payload as { data?: unknown }).data)).toEqual([]);
        expect(JSON.stringify(frames)).toContain('NOT_FOUND');
      }
      const ownerValues = owner.values<Status>('owner-1');
      expect(ownerValues.at(-1)!.messageStatus.status).toBe('COMPLETED');
      for (const values of [
        owner.values<Status>('owner-2'),
        admin.values<Status>('admin-1'),
        admin.values<Status>('admin-2'),
      ]) {
        expect(values).toEqual(ownerValues);
      }
      for (const socket of [owner, admin, other]) socket.close();
    });
  });
});
