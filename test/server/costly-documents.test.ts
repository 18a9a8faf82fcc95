// Costly documents over real HTTP, SSE and WebSocket: each is refused before it runs (or cut short by the
// execution guard) within a second, with BAD_USER_INPUT and a reason, while /health keeps answering within a
// second (a probe runs back to back beside every document), and nothing is created or left open.
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';
import { ENGINES } from '../helpers/postgres.js';
import {
  type GraphQLResponse,
  SUBMISSION,
  SUBMIT,
  startTestServer,
  type TestServer,
} from '../helpers/server.js';

type Transport = 'http' | 'sse' | 'ws';
const TRANSPORTS: Transport[] = ['http', 'sse', 'ws'];

interface Outcome {
  result: GraphQLResponse;
  ms: number;
  /** The slowest /health answer while the document was in flight. */
  worstHealthMs: number;
}

/** The first result of an operation over graphql-ws: its first `next`, or the errors it ended with. */
function overWs(client: Client, query: string, variables: Record<string, unknown>): Promise<GraphQLResponse> {
  return new Promise((resolve) => {
    const stop = client.subscribe(
      { query, variables },
      {
        next: (result) => {
          stop();
          resolve(result as GraphQLResponse);
        },
        error: (error) => resolve({ errors: (Array.isArray(error) ? error : [error]) as never }),
        complete: () => resolve({}),
      },
    );
  });
}

/** The first result of an operation over SSE: its first `next` payload (the stream is then closed). */
async function overSse(t: TestServer, query: string, variables: Record<string, unknown>) {
  let first: GraphQLResponse = {};
  const controller = new AbortController();
  await followSse(t.url, query, variables, controller.signal, (value) => {
    first = value;
    controller.abort();
  });
  return first;
}

/** Sends one document while a probe asks /health back to back; the time of each and the slowest probe. */
async function send(
  t: TestServer,
  client: Client,
  transport: Transport,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Outcome> {
  const health = t.url.replace(/\/graphql$/, '/health');
  let done = false;
  let worstHealthMs = 0;
  const probe = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await fetch(health);
      await res.text();
      expect(res.status).toBe(200);
      worstHealthMs = Math.max(worstHealthMs, performance.now() - started);
    }
  })();
  const started = performance.now();
  try {
    const result =
      transport === 'http'
        ? await t.gql(query, variables)
        : transport === 'sse'
          ? await overSse(t, query, variables)
          : await overWs(client, query, variables);
    return { result, ms: performance.now() - started, worstHealthMs };
  } finally {
    done = true;
    await probe;
  }
}

function expectRefused(outcome: Outcome, reason?: RegExp | string): void {
  const error = outcome.result.errors?.[0] as
    | { message: string; extensions?: { code?: string; reason?: string } }
    | undefined;
  expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
  if (reason) expect(error?.extensions?.reason ?? '').toMatch(reason);
  expect(outcome.result.data ?? null).toBeNull();
  expect(outcome.ms).toBeLessThan(1000);
  expect(outcome.worstHealthMs).toBeLessThan(1000);
}

/** Follows a subscription over SSE to its end, handing each `next` payload over as it arrives. */
async function followSse(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  signal: AbortSignal | undefined,
  onValue: (value: GraphQLResponse, count: number) => void,
): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let count = 0;
  for (;;) {
    const { done, value } = await reader.read().catch((error: unknown) => {
      if (signal?.aborted) return { done: true as const, value: undefined };
      throw error;
    });
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (/^event: ?complete/m.test(block)) {
        await reader.cancel();
        return;
      }
      const data = /^data: ?(.*)$/m.exec(block)?.[1];
      if (/^event: ?next/m.test(block) && data) onValue(JSON.parse(data) as GraphQLResponse, ++count);
      if (signal?.aborted) return;
    }
  }
}

/** `levels` of history → message → history ..., the shape that stalled the service before snapshots. */
function nestedHistory(levels: number): string {
  let inner = 'version';
  for (let i = 0; i < levels; i++) inner = `history { message { ${inner} } }`;
  return inner;
}

/** A valid selection of a message's history whose cost is over the budget. */
const SNAPSHOT = /* GraphQL */ `
  fragment S on MessageSnapshot {
    id status version steps { name findings } result { decision factors { name value reason } } review { state reasons }
  }
`;
const historyAliases = (n: number) =>
  Array.from({ length: n }, (_, i) => `h${i}: history { message { ...S } }`).join(' ');

describe.each(ENGINES)('costly documents on %s', (engine) => {
  let t: TestServer;
  let client: Client;
  let agentic: string;
  let pending: string;

  beforeAll(async () => {
    t = await startTestServer({ WORKER_CONCURRENCY: '2' }, { engine });
    client = t.ws();
    const run = await t.gql<{ runQuote: { id: string; status: string } }>(
      'mutation($input: RunQuoteInput!) { runQuote(input: $input) { id status } }',
      { input: { submission: SUBMISSION, useAgentic: true } },
    );
    agentic = run.data!.runQuote.id;
    // 100 messages for the pages below, waiting (the worker is paused), so their count is known.
    t.runtime.worker?.pause();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await t.gql<{ submitQuote: { messageId: string } }>(SUBMIT, {
        input: { submission: SUBMISSION },
      });
      ids.push(res.data!.submitQuote.messageId);
    }
    pending = ids[0]!;
  }, 60_000);
  afterAll(() => t.stop());

  async function pendingCount(): Promise<number> {
    const res = await t.gql<{ queueStats: { pendingCount: number } }>('{ queueStats { pendingCount } }');
    return res.data!.queueStats.pendingCount;
  }

  describe('the recursion through history is gone', () => {
    it('a change carries a snapshot with the state, and no history or attempts of its own', async () => {
      const res = await t.gql<{
        queueMessage: { history: { message: { version: number; status: string } }[] };
      }>(
        'query($id: ID!) { queueMessage(id: $id) { history { version message { __typename version status } } } }',
        { id: agentic },
      );
      expect(res.errors).toBeUndefined();
      const history = res.data!.queueMessage.history;
      // An agentic run writes a version per workflow step: the history the old shape multiplied level by level.
      expect(history.length).toBeGreaterThan(5);
      expect(history.at(-1)!.message).toMatchObject({ __typename: 'MessageSnapshot', status: 'COMPLETED' });
      const deeper = await t.gql(
        'query($id: ID!) { queueMessage(id: $id) { history { message { history { version } } } } }',
        { id: agentic },
      );
      expect(deeper.errors?.[0]?.message).toMatch(/Cannot query field "history" on type "MessageSnapshot"/);
    });

    for (const transport of TRANSPORTS) {
      for (const levels of [5, 7, 9]) {
        it(`${levels} levels of history → message over ${transport}, alone and under a page of 100`, async () => {
          const before = await pendingCount();
          const alone = await send(
            t,
            client,
            transport,
            `query($id: ID!) { queueMessage(id: $id) { ${nestedHistory(levels)} } }`,
            {
              id: agentic,
            },
          );
          expectRefused(alone);
          const paged = await send(
            t,
            client,
            transport,
            `{ queueMessages(first: 100) { nodes { ${nestedHistory(levels)} } } }`,
          );
          expectRefused(paged);
          expect(await pendingCount()).toBe(before);
        });
      }
    }
  });

  describe('the cost limit', () => {
    const costly = `{ queueMessages(first: 100) { nodes { history { message { ...S } } } } } ${SNAPSHOT}`;

    for (const transport of TRANSPORTS) {
      it(`refuses a page of histories over ${transport}, naming the limit and the cost`, async () => {
        const outcome = await send(t, client, transport, costly);
        expectRefused(outcome, 'MAX_COST');
        const error = outcome.result.errors![0]!;
        expect(error.message).toMatch(/would cost \d+; at most 20000 is allowed \(MAX_QUERY_COST\)/);
      });

      it(`refuses a costly messageStatus subscription over ${transport}, opening nothing`, async () => {
        const open = t.server.openSubscriptions;
        const query = `subscription($id: ID!) { messageStatus(id: $id) { ${historyAliases(30)} } } ${SNAPSHOT}`;
        const outcome = await send(t, client, transport === 'http' ? 'sse' : transport, query, {
          id: pending,
        });
        expectRefused(outcome, 'MAX_COST');
        expect(t.server.openSubscriptions).toBe(open);
      });
    }

    it('counts a page by its size, from a literal or a variable', async () => {
      const query = `query($first: Int) { queueMessages(first: $first) { nodes { history { message { ...S } } } } } ${SNAPSHOT}`;
      const small = await t.gql<{ queueMessages: { nodes: unknown[] } }>(query, { first: 5 });
      expect(small.errors).toBeUndefined();
      expect(small.data!.queueMessages.nodes).toHaveLength(5);
      const large = await t.gql(query, { first: 100 });
      expect(large.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MAX_COST' });
    });

    it('judges each request of one document by its own variables, whatever an earlier request sent', async () => {
      // A distinct document (its alias), so no earlier test has judged it: refused first, then answered.
      const query = `query($first: Int) { judged: queueMessages(first: $first) { nodes { history { message { ...S } } } } } ${SNAPSHOT}`;
      const large = await t.gql(query, { first: 100 });
      expect(large.errors?.[0]?.extensions).toMatchObject({ reason: 'MAX_COST' });
      const small = await t.gql<{ judged: { nodes: unknown[] } }>(query, { first: 5 });
      expect(small.errors).toBeUndefined();
      expect(small.data!.judged.nodes).toHaveLength(5);
      const read = 'query($id: ID!) { judgedMessage: queueMessage(id: $id) { id } }';
      expect((await t.gql(read, {})).errors?.[0]?.message).toMatch(/\$id.*was not provided/);
      expect(await t.gql(read, { id: pending })).toEqual({ data: { judgedMessage: { id: pending } } });
    });

    it("lets the web page's largest document through: a page of 50 full messages", async () => {
      const res = await t.gql<{ queueMessages: { nodes: unknown[] } }>(
        `{ queueMessages(first: 50) { totalCount nodes { id status priority createdAt version payload queuePosition
           result { decision annualPremium reasons factors { name value reason } }
           review { state reasons reviewer notes decidedAt } steps { name status findings } } } }`,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.queueMessages.nodes.length).toBe(50);
    });
  });

  describe('limits checked before graphql validates', () => {
    for (const transport of TRANSPORTS) {
      it(`refuses 999 copies of one field over ${transport}, each variant at once (the parse cache does not help)`, async () => {
        for (let i = 0; i < 3; i++) {
          const outcome = await send(
            t,
            client,
            transport,
            `# variant ${i} ${transport}\n{ queueStats { ${'pendingCount '.repeat(999)} } }`,
          );
          expectRefused(outcome, 'MAX_SAME_FIELD');
          expect(outcome.result.errors![0]!.message).toMatch(/"pendingCount" is selected 999 times/);
        }
        const inline = await send(
          t,
          client,
          transport,
          `{ queueStats { ${'... on QueueStats { pendingCount } '.repeat(500)} } }`,
        );
        expectRefused(inline, 'MAX_SAME_FIELD');
      });

      it(`refuses a 5,000-level list literal and object literal over ${transport}`, async () => {
        const list = await send(
          t,
          client,
          transport,
          `{ queueMessages(status: ${'['.repeat(5000)}${']'.repeat(5000)}) { totalCount } }`,
        );
        expectRefused(list, 'MAX_BRACKETS');
        const object = await send(
          t,
          client,
          transport,
          `mutation { submitQuote(input: ${'{ a: '.repeat(5000)}1${' }'.repeat(5000)}) { messageId } }`,
        );
        expectRefused(object, 'MAX_BRACKETS');
      });
    }

    it('accepts the most copies allowed, and brackets inside strings and comments', async () => {
      const copies = DEFAULT_LIMITS.maxSameField;
      const ok = await t.gql(`{ queueStats { ${'pendingCount '.repeat(copies)} } }`);
      expect(ok.errors).toBeUndefined();
      const over = await t.gql(`{ queueStats { ${'pendingCount '.repeat(copies + 1)} } }`);
      expect(over.errors?.[0]?.extensions).toMatchObject({ reason: 'MAX_SAME_FIELD' });
      const quoted = await t.gql(
        `# ${'['.repeat(200)}\n{ queueMessage(id: "\\"${'['.repeat(200)}") { id } ` +
          `a: queueMessage(id: """\\"""${'{'.repeat(200)}""") { id } }`,
      );
      expect(quoted.errors).toBeUndefined();
    });
  });

  describe('the execution guard', () => {
    let g: TestServer;
    let slow: TestServer;
    let ids: string[];
    beforeAll(async () => {
      // Budgets far below the defaults stand in for a document whose real work the estimate misjudged.
      g = await startTestServer(
        { WORKER_CONCURRENCY: '0' },
        { engine, executionGuard: { maxResolverCalls: 60 } },
      );
      slow = await startTestServer({ WORKER_CONCURRENCY: '0' }, { engine, executionGuard: { maxMs: 0 } });
      ids = [];
      for (let i = 0; i < 30; i++) {
        const res = await g.gql<{ submitQuote: { messageId: string } }>(SUBMIT, {
          input: { submission: SUBMISSION },
        });
        ids.push(res.data!.submitQuote.messageId);
        await slow.gql(SUBMIT, { input: { submission: SUBMISSION } });
      }
    }, 60_000);
    afterAll(async () => {
      await g.stop();
      await slow.stop();
    });

    const page = '{ queueMessages(first: 30) { nodes { id status version priority } } }';

    it('cuts short an operation that makes more resolver calls than its budget, with one error', async () => {
      const res = await g.gql(page);
      expect(res.data).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'MAX_RESOLVER_CALLS',
      });
      expect(res.errors![0]!.message).toMatch(/cut short: it made more than 60 resolver calls/);
      // Within the budget the same kind of document runs.
      const small = await g.gql<{ queueMessages: { nodes: unknown[] } }>(
        '{ queueMessages(first: 5) { nodes { id status } } }',
      );
      expect(small.errors).toBeUndefined();
    });

    it('cuts short an operation that resolves past its deadline', async () => {
      const res = await slow.gql(page);
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'MAX_EXECUTION_TIME',
      });
      // A root field's own wait is not counted: a short selection below it still runs.
      const root = await slow.gql<{ queueStats: { pendingCount: number } }>(
        '{ queueStats { pendingCount } }',
      );
      expect(root.data?.queueStats.pendingCount).toBe(30);
    });

    const fields = (n: number) => Array.from({ length: n }, (_, i) => `v${i}: version`).join(' ');

    for (const transport of ['sse', 'ws'] as const) {
      it(`guards each event of a subscription over ${transport}, with a fresh budget per event`, async () => {
        const client = g.ws();
        const over = await send(
          g,
          client,
          transport,
          `subscription($id: ID!) { messageStatus(id: $id) { ${fields(70)} } }`,
          {
            id: ids[0],
          },
        );
        expect(over.result.errors?.[0]?.extensions).toMatchObject({ reason: 'MAX_RESOLVER_CALLS' });
        expect(over.ms).toBeLessThan(1000);
        // 40 calls an event, two events (PENDING, then CANCELLED): over the budget in all, within it per event.
        const id = ids[transport === 'sse' ? 1 : 2]!;
        const query = `subscription($id: ID!) { messageStatus(id: $id) { status ${fields(40)} } }`;
        const values: GraphQLResponse<{ messageStatus: { status: string } }>[] = [];
        const done = new Promise<void>((resolve, reject) => {
          if (transport === 'ws') {
            client.subscribe(
              { query, variables: { id } },
              {
                next: (r) => {
                  values.push(r as never);
                  if (values.length === 1)
                    void g.gql('mutation($id: ID!) { cancelMessage(id: $id) { id } }', { id });
                },
                error: reject,
                complete: resolve,
              },
            );
          } else {
            followSse(g.url, query, { id }, undefined, (value, count) => {
              values.push(value as never);
              if (count === 1) void g.gql('mutation($id: ID!) { cancelMessage(id: $id) { id } }', { id });
            }).then(resolve, reject);
          }
        });
        await done;
        expect(values.map((v) => v.errors)).toEqual([undefined, undefined]);
        expect(values.map((v) => v.data?.messageStatus.status)).toEqual(['PENDING', 'CANCELLED']);
      });
    }
  });
});
