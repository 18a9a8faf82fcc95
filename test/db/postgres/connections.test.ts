// Connections on a real PostgreSQL: wake-ups between processes, connections cut under the store, a server that
// cannot be reached at start.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { openPostgres } from '../../../src/db/postgres/open.js';
import { StorageUnavailableError } from '../../../src/queue/errors.js';
import { createEventFeed, createQueueEvents } from '../../../src/queue/events.js';
import type { MessageEvent } from '../../../src/queue/types.js';
import { newMessage } from '../../helpers/messages.js';
import { describePostgres, PG_URL, type TempSchema, tempSchema } from '../../helpers/postgres.js';
import { startTcpProxy } from '../../helpers/tcp-proxy.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');

/** Terminates the schema's backends (its stores' connections carry its name); `listenersOnly` spares the pools. */
async function cut(schema: TempSchema, listenersOnly: boolean): Promise<number> {
  const rows = await schema.admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = ${schema.schema} AND (NOT ${listenersOnly} OR query LIKE 'LISTEN%')`;
  return rows.length;
}

describePostgres('PostgreSQL connections', () => {
  let schema: TempSchema;
  beforeEach(async () => {
    schema = await tempSchema();
  });
  afterEach(async () => schema.cleanup());

  it("moves a process's change token on another process's commit, not on its own", async () => {
    const a = await schema.open();
    const b = await schema.open();
    const a0 = await a.changeToken();
    const b0 = await b.changeToken();
    await a.enqueue(newMessage(), { maxSize: 100 }, T0);
    await vi.waitFor(async () => expect(await b.changeToken()).not.toBe(b0), { timeout: 5000 });
    await b.enqueue(newMessage(), { maxSize: 100 }, T0);
    // Notifications reach a listener in commit order: once b's has moved a's token, a's own came before it.
    await vi.waitFor(async () => expect(await a.changeToken()).not.toBe(a0), { timeout: 5000 });
    expect(await a.changeToken()).toBe(a0 + 1);
  });

  it("publishes another process's commit on its notification, not at the feed's next poll", async () => {
    const a = await schema.open();
    const b = await schema.open();
    const events = createQueueEvents();
    // A poll too far off to be what delivers it: the notification has to.
    const feed = createEventFeed({ store: b, events, pollMs: 600_000 });
    await feed.start();
    let timer: NodeJS.Timeout | undefined;
    try {
      const seen = new Promise<MessageEvent>((resolve) => events.onChange(resolve));
      const { message } = await a.enqueue(newMessage(), { maxSize: 100 }, T0);
      const event = await Promise.race([
        seen,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('not published within 5 s')), 5000);
        }),
      ]);
      expect(event.messageId).toBe(message.id);
    } finally {
      clearTimeout(timer);
      feed.stop();
    }
  });

  it('listens again by itself after its connection is cut, and moves the token so the log is read', async () => {
    const a = await schema.open({ slowPollMs: 60_000 });
    const b = await schema.open();
    await vi.waitFor(async () => expect(await cut(schema, true)).toBe(2), { timeout: 5000 });
    const before = await a.changeToken();
    // The reconnection itself moves the token (a catch-up read), and later commits still do.
    await vi.waitFor(async () => expect(await a.changeToken()).toBeGreaterThan(before), { timeout: 10_000 });
    await vi.waitFor(
      async () => {
        const t = await a.changeToken();
        await b.enqueue(newMessage(), { maxSize: 100 }, T0);
        await vi.waitFor(async () => expect(await a.changeToken()).toBeGreaterThan(t), { timeout: 1000 });
      },
      { timeout: 10_000 },
    );
  });

  it('answers STORAGE_UNAVAILABLE (never a raw driver error) while its connections are cut, then works again by itself', async () => {
    const store = await schema.open();
    const { message } = await store.enqueue(newMessage(), { maxSize: 100 }, T0);
    expect(await cut(schema, false)).toBeGreaterThan(0);
    const failures: unknown[] = [];
    await vi.waitFor(
      async () => {
        try {
          expect(await store.get(message.id)).toEqual(message);
        } catch (error) {
          failures.push(error);
          throw error;
        }
      },
      { timeout: 10_000 },
    );
    for (const error of failures) expect(error).toBeInstanceOf(StorageUnavailableError);
    await expect(store.checkWritable()).resolves.toBeUndefined();
  });

  it('retries an unreachable server at start, then gives up with STORAGE_UNAVAILABLE', async () => {
    const retries: number[] = [];
    await expect(
      openPostgres('postgres://127.0.0.1:1/test', {
        connectTimeoutMs: 1500,
        onRetry: (_, delayMs) => retries.push(delayMs),
      }),
    ).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries[1]).toBeGreaterThan(retries[0]!);
  });

  it('fails every statement while its connections are reset, none left waiting, and works again after', async () => {
    const target = new URL(PG_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const through = new URL(PG_URL);
    through.port = String(proxy.port);
    try {
      const store = await openPostgres(through.toString(), {
        poolSize: 3,
        schema: schema.schema,
        applicationName: schema.schema,
      });
      try {
        const { message } = await store.enqueue(newMessage(), { maxSize: 100 }, T0);
        for (let round = 0; round < 2; round++) {
          await Promise.all([store.get(message.id), store.get(message.id), store.get(message.id)]);
          proxy.down();
          // A statement handed to a connection between its socket's error and its close used to wait forever
          // (patches/postgres+3.4.9.patch): each one here must fail, or the test times out.
          for (let i = 0; i < 6; i++) {
            await expect(store.get(message.id)).rejects.toBeInstanceOf(StorageUnavailableError);
          }
          proxy.up();
          await vi.waitFor(async () => expect(await store.get(message.id)).toEqual(message), {
            timeout: 10_000,
          });
        }
      } finally {
        await store.close();
      }
    } finally {
      await proxy.close();
    }
  }, 30_000);
});
