// PostgreSQL going away under a running service, without touching the shared server: the service reaches it
// through a TCP proxy the test cuts (open connections dropped, new ones closed on arrival) and lets through again;
// and its backends terminated mid-drain. While down, writes answer STORAGE_UNAVAILABLE and /ready 503; after, the
// service reconnects by itself (its LISTEN connection too, with a catch-up read), loses nothing, completes nothing
// twice and leaves nothing PROCESSING past its lease.
import postgres from 'postgres';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { openPostgres } from '../../src/db/postgres/open.js';
import type { Json } from '../../src/queue/types.js';
import { parseSubmission } from '../../src/quotes/submission.js';
import { newMessage } from '../helpers/messages.js';
import { describePostgres, PG_URL } from '../helpers/postgres.js';
import {
  type ChangeSeen,
  type GraphQLResponse,
  SUBMISSION,
  SUBMIT,
  startTestServer,
  type TestServer,
  waitForEvent,
} from '../helpers/server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const LEASE_MS = 2000;
const MESSAGES = 20;

type Submitted = GraphQLResponse<{ submitQuote: { messageId: string } }>;

let proxy: TcpProxy;
let t: TestServer;
/** The service's schema, also the application_name of its connections. */
let schema: string;
/** A direct connection (never through the proxy) for looking at the schema and at the server's sessions. */
let admin: postgres.Sql;
let seen: ChangeSeen[];

beforeEach(async () => {
  const target = new URL(PG_URL);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  t = await startTestServer(
    { WORKER_CONCURRENCY: '2', PROCESSING_DELAY_MS: '100', RETRY_BACKOFF_MS: '50' },
    {
      engine: 'PostgreSQL',
      leaseMs: LEASE_MS,
      timeouts: { readyHoldMs: 300, readyRefreshMs: 100 },
      route(url) {
        const through = new URL(url);
        schema = through.searchParams.get('search_path')!;
        through.hostname = '127.0.0.1';
        through.port = String(proxy.port);
        return through.toString();
      },
    },
  );
  admin = postgres(PG_URL, { max: 1, onnotice: () => {}, connection: { search_path: schema } });
  seen = [];
  t.runtime.events.onChange((e) => seen.push(e));
});

afterEach(async () => {
  proxy.up();
  await t.stop();
  await admin.end({ timeout: 1 });
  await proxy.close();
});

async function submit(n: number): Promise<Submitted> {
  return t.gql(SUBMIT, { input: { submission: { ...SUBMISSION, applicantName: `Applicant ${n}` } } });
}

async function submitMany(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const res = await submit(n);
    expect(res.errors).toBeUndefined();
    ids.push(res.data!.submitQuote.messageId);
  }
  return ids;
}

async function ready(): Promise<{ status: number; body: { status: string; reason?: string } }> {
  const res = await fetch(new URL('/ready', t.url));
  return { status: res.status, body: (await res.json()) as never };
}

/** The service's sessions on the server, by what they run: the LISTEN connection shows `LISTEN ...`. */
async function sessions(): Promise<{ pid: number; query: string }[]> {
  return admin`SELECT pid, query FROM pg_stat_activity WHERE application_name = ${schema}`;
}

const listening = async () => (await sessions()).some((s) => s.query.startsWith('LISTEN'));

/**
 * Waits until every listed message is final, checking all along that no message stays PROCESSING more than
 * `slackMs` past its lease's end (the reaper runs every 200 ms here).
 */
async function drainedWithinLeases(ids: string[], slackMs: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const [overdue] = await admin<{ n: number }[]>`SELECT count(*)::int AS n FROM messages
        WHERE status = 'PROCESSING' AND lease_expires_at < ${Date.now() - slackMs}`;
      expect(overdue!.n, 'messages PROCESSING past their lease').toBe(0);
      const rows = await admin<{ id: string; status: string }[]>`SELECT id, status FROM messages
        WHERE id = ANY(${ids}::text[])`;
      expect(rows.length, 'messages stored').toBe(ids.length);
      expect(rows.filter((r) => r.status !== 'COMPLETED').map((r) => `${r.id} ${r.status}`)).toEqual([]);
    },
    { timeout: 30_000, interval: 100 },
  );
}

/** Every listed message has exactly one `completed` event; the schema holds exactly `total` messages. */
async function completedOnceEach(ids: string[], total: number): Promise<void> {
  const rows = await admin<{ message_id: string; n: number }[]>`SELECT message_id, count(*)::int AS n
    FROM message_events WHERE kind LIKE 'completed%' GROUP BY message_id`;
  const counts = new Map(rows.map((r) => [r.message_id, r.n]));
  expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
  const [all] = await admin<{ n: number }[]>`SELECT count(*)::int AS n FROM messages`;
  expect(all!.n).toBe(total);
}

describePostgres('PostgreSQL going away and coming back (through a proxy)', () => {
  it('refuses writes and answers /ready 503 while down; after, reconnects, catches up, loses nothing and completes nothing twice', async () => {
    const accepted = await submitMany(MESSAGES);
    await waitForEvent(t.runtime, (e) => e.kind === 'completed');
    await vi.waitFor(async () => expect(await listening()).toBe(true));

    proxy.down();
    const refused = await submit(MESSAGES);
    expect(refused.errors?.[0]?.extensions?.code).toBe('STORAGE_UNAVAILABLE');
    expect(refused.errors?.[0]?.message).toMatch(/cannot be reached/);
    expect(JSON.stringify(refused)).not.toMatch(/ECONN|CONNECTION_|127\.0\.0\.1|INSERT|postgres/i);
    await vi.waitFor(async () => expect(await ready()).toMatchObject({ status: 503 }), { timeout: 5000 });
    expect((await ready()).body).toEqual({
      status: 'storage-unavailable',
      reason: 'the database cannot be reached',
    });
    // Reads need the database too: they fail with the same code, never a raw driver error.
    const stats = await t.gql('{ queueStats { pendingCount } }');
    expect(stats.errors?.[0]?.extensions?.code).toBe('STORAGE_UNAVAILABLE');

    // Another process commits while this one is cut off: no notification can reach it.
    const other = await openPostgres(PG_URL, { poolSize: 1, schema, applicationName: `${schema}_other` });
    const { message: fromOther } = await other.enqueue(
      newMessage({ createdAt: new Date(), payload: parseSubmission(SUBMISSION) as unknown as Json }),
      { maxSize: 1000 },
      new Date(),
    );
    await other.close();
    // Long enough for leases held at the cut to run out while nothing can be written.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
    expect((await ready()).status).toBe(503);

    proxy.up();
    // The next write reconnects the pool by itself.
    await vi.waitFor(async () => expect((await submit(MESSAGES)).errors).toBeUndefined(), {
      timeout: 10_000,
    });
    await vi.waitFor(async () => expect((await ready()).status).toBe(200), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await listening()).toBe(true), { timeout: 10_000 });
    // The catch-up read after reconnecting publishes what the other process committed meanwhile.
    await vi.waitFor(() => expect(seen.some((e) => e.messageId === fromOther.id)).toBe(true), {
      timeout: 10_000,
    });

    const ids = [...accepted, fromOther.id];
    await drainedWithinLeases(ids, LEASE_MS);
    await completedOnceEach(ids, MESSAGES + 2);
  }, 60_000);
});

describePostgres("the service's backends terminated mid-drain", () => {
  it('reconnects every connection by itself; every message completes exactly once, none past its lease', async () => {
    const accepted = await submitMany(MESSAGES);
    await vi.waitFor(async () => expect(await listening()).toBe(true));
    let completed = 0;
    await waitForEvent(t.runtime, (e) => e.kind === 'completed' && ++completed >= 3);
    const cut =
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${schema}`;
    expect(cut.length).toBeGreaterThan(1);
    // Cut again once the service has reconnected, while attempts are still in flight.
    await vi.waitFor(async () => expect((await sessions()).length).toBeGreaterThan(1), { timeout: 10_000 });
    await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${schema}`;

    await drainedWithinLeases(accepted, LEASE_MS);
    await vi.waitFor(async () => expect(await listening()).toBe(true), { timeout: 10_000 });
    await completedOnceEach(accepted, MESSAGES);
    expect(await submit(MESSAGES)).not.toHaveProperty('errors');
  }, 60_000);
});
