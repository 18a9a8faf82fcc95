// The service's edges, over real HTTP, SSE and WebSocket: rate limits that count each root field of a mutation,
// the per-caller cap on active messages, the Host check of open mode, CSRF prevention on GET, the cap on
// subscriptions per key, connection and fragment bounds, the failed-key throttle, and the HTTP statuses of refusals.
// The suites that count or store messages run on both engines; the others never reach storage.
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const MAX_FRAGMENTS = 64;

import { ENGINES } from '../helpers/postgres.js';
import {
  type GraphQLResponse,
  MESSAGE_STATUS,
  SUBMISSION,
  startTestServer,
  type TestServer,
} from '../helpers/server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): GraphQLResponse<T>;
}

/** One HTTP request with headers fetch will not send (Host) or from another local address. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body) as never,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const post = (url: string, query: string, key?: string, extra: Record<string, string> = {}) =>
  send(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...extra,
    },
    body: JSON.stringify({ query }),
  });

/** `n` aliased submitQuote in one document. */
function aliased(n: number): string {
  const input = `{ submission: { applicantName: "A", address: "1 Main St", coverageAmount: 250000 } }`;
  const fields = Array.from({ length: n }, (_, i) => `q${i}: submitQuote(input: ${input}) { messageId }`);
  return `mutation { ${fields.join(' ')} }`;
}

/** Calls /health every few ms while `work` runs; resolves with the slowest answer's time in ms. */
async function probeHealthDuring<T>(
  base: string,
  work: Promise<T>,
): Promise<{ result: T; slowestMs: number }> {
  let done = false;
  let slowestMs = 0;
  let answered = 0;
  const probe = (async () => {
    while (!done || answered === 0) {
      const started = performance.now();
      const res = await fetch(`${base}/health`);
      expect(res.status).toBe(200);
      answered++;
      slowestMs = Math.max(slowestMs, performance.now() - started);
    }
  })();
  const result = await work;
  done = true;
  await probe;
  return { result, slowestMs };
}

const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code;

describe.each(ENGINES)('rate limits count each root field of a mutation, on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(
      {
        API_KEYS: 'flood-key:submitter,admin-key:admin',
        RATE_LIMIT_PER_SECOND: '50',
        WORKER_CONCURRENCY: '0',
      },
      { engine },
    );
  });
  afterAll(() => t.stop());
  const pending = async () =>
    (
      await t.gql<{ queueStats: { pendingCount: number } }>(
        '{ queueStats { pendingCount } }',
        {},
        'admin-key',
      )
    ).data!.queueStats.pendingCount;

  it('refuses 100 aliased submitQuote over a budget of 50 with 429 and Retry-After, creating nothing, /health answering', async () => {
    const base = t.url.replace('/graphql', '');
    const { result: res, slowestMs } = await probeHealthDuring(base, post(t.url, aliased(100), 'flood-key'));
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.headers['content-type']).toMatch(/^application\/graphql-response\+json/);
    const body = res.json();
    expect(codeOf(body)).toBe('RATE_LIMITED');
    expect(body.errors?.[0]?.message).toMatch(/counts as 100 requests/);
    expect(body.data ?? null).toBeNull();
    expect(slowestMs).toBeLessThan(1000);
    expect(await pending()).toBe(0);
  });

  it('charges a document that fits: 40 aliased submitQuote create 40', async () => {
    const res = await post(t.url, aliased(40), 'flood-key');
    expect(res.status).toBe(200);
    expect(Object.keys(res.json<Record<string, unknown>>().data ?? {})).toHaveLength(40);
    expect(await pending()).toBe(40);
  });

  it('charges the same over WebSocket', async () => {
    const before = await pending();
    const client = t.ws('admin-key');
    const result = await new Promise<GraphQLResponse>((resolve, reject) => {
      let got: GraphQLResponse = {};
      client.subscribe(
        { query: aliased(100) },
        { next: (r) => (got = r as GraphQLResponse), error: reject, complete: () => resolve(got) },
      );
    });
    expect(codeOf(result)).toBe('RATE_LIMITED');
    expect(await pending()).toBe(before);
  });
});

describe.each(ENGINES)('MAX_ACTIVE_PER_OWNER on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(
      {
        API_KEYS: 'owner-a:submitter,owner-b:submitter,owner-c:submitter',
        RATE_LIMIT_PER_SECOND: '1000',
        MAX_ACTIVE_PER_OWNER: '3',
        WORKER_CONCURRENCY: '0',
      },
      { engine },
    );
  });
  afterAll(() => t.stop());
  const submit = (key: string, idempotencyKey?: string) =>
    t.gql<{ submitQuote: { messageId: string } }>(
      'mutation($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }',
      { input: { submission: SUBMISSION, ...(idempotencyKey ? { idempotencyKey } : {}) } },
      key,
    );

  it('refuses a caller past its cap with QUEUE_FULL scope owner while another caller is still accepted', async () => {
    const first = await submit('owner-a', 'first');
    await submit('owner-a');
    await submit('owner-a');
    const over = await submit('owner-a');
    expect(over.errors?.[0]?.extensions).toMatchObject({ code: 'QUEUE_FULL', scope: 'owner' });
    expect((await submit('owner-b')).data?.submitQuote.messageId).toBeTruthy();
    // The same idempotency key still returns the first message.
    expect((await submit('owner-a', 'first')).data?.submitQuote.messageId).toBe(
      first.data?.submitQuote.messageId,
    );
  });

  it('accepts exactly one of 20 concurrent submissions at the cap less one', async () => {
    await submit('owner-c');
    await submit('owner-c');
    const answers = await Promise.all(Array.from({ length: 20 }, () => submit('owner-c')));
    expect(answers.filter((a) => a.data?.submitQuote)).toHaveLength(1);
    expect(answers.filter((a) => a.errors?.[0]?.extensions?.code === 'QUEUE_FULL')).toHaveLength(19);
  });

  it('answers the global cap with scope queue', async () => {
    const small = await startTestServer({ MAX_QUEUE_SIZE: '1', WORKER_CONCURRENCY: '0' }, { engine });
    try {
      const q = 'mutation($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }';
      await small.gql(q, { input: { submission: SUBMISSION } });
      const full = await small.gql(q, { input: { submission: SUBMISSION } });
      expect(full.errors?.[0]?.extensions).toMatchObject({ code: 'QUEUE_FULL', scope: 'queue' });
    } finally {
      await small.stop();
    }
  });
});

describe('open mode answers only loopback Host names', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.stop());
  const query = '{ queueStats { maxSize } }';

  it('refuses another Host on /graphql, /health and the page with 403', async () => {
    const base = t.url.replace('/graphql', '');
    for (const host of ['evil.example', `evil.example:${t.server.port}`, 'localhost.evil.example']) {
      const res = await post(t.url, query, undefined, { host });
      expect(res.status, host).toBe(403);
      expect(res.json().errors?.[0]?.message).toMatch(/localhost, 127\.0\.0\.1 or \[::1\]/);
      expect((await send(`${base}/health`, { headers: { host } })).status).toBe(403);
      expect((await send(`${base}/`, { headers: { host } })).status).toBe(403);
    }
  });

  it('refuses it on SSE', async () => {
    const res = await post(t.url, 'subscription { queueStats { maxSize } }', undefined, {
      host: 'evil.example',
      accept: 'text/event-stream',
    });
    expect(res.status).toBe(403);
  });

  it('answers localhost, 127.0.0.1 and [::1], with or without the port', async () => {
    const port = t.server.port;
    for (const host of [
      'localhost',
      `localhost:${port}`,
      '127.0.0.1',
      `127.0.0.1:${port}`,
      '[::1]',
      `[::1]:${port}`,
    ]) {
      const res = await post(t.url, query, undefined, { host });
      expect(res.status, host).toBe(200);
      expect(res.json().data).toEqual({ queueStats: { maxSize: 1000 } });
    }
  });

  it('refuses a WebSocket upgrade with another Host, and takes one with localhost', async () => {
    const upgrade = (host: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws', { headers: { host } });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => {});
      });
    expect(await upgrade('evil.example')).toBe(403);
    expect(await upgrade(`localhost:${t.server.port}`)).toBe(101);
  });

  it('does not check the Host when API keys are set', async () => {
    const keyed = await startTestServer({ API_KEYS: 'k1:admin' });
    try {
      const res = await post(keyed.url, query, 'k1', { host: 'quotes.example.com' });
      expect(res.status).toBe(200);
    } finally {
      await keyed.stop();
    }
  });
});

describe('GET operations need a non-simple header (CSRF prevention)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.stop());
  const get = (query: string, headers: Record<string, string> = {}) =>
    send(`${t.url}?query=${encodeURIComponent(query)}`, { headers });

  it('refuses a GET query without the header, naming it', async () => {
    const res = await get('{ queueStats { maxSize } }');
    expect(res.status).toBe(403);
    expect(codeOf(res.json())).toBe('BAD_USER_INPUT');
    expect(res.json().errors?.[0]?.message).toMatch(/x-graphql-yoga-csrf/);
  });

  it('refuses a GET subscription (SSE) without the header', async () => {
    const res = await get('subscription { queueStats { maxSize } }', { accept: 'text/event-stream' });
    expect(res.status).toBe(403);
  });

  it('answers a GET query with the header', async () => {
    const res = await get('{ queueStats { maxSize } }', { 'x-graphql-yoga-csrf': '1' });
    expect(res.status).toBe(200);
    expect(res.json().data).toEqual({ queueStats: { maxSize: 1000 } });
  });

  it('still serves GraphiQL to a browser', async () => {
    const res = await send(t.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('GraphiQL');
  });
});

describe.each(ENGINES)('subscriptions per key, WebSocket and SSE together, on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(
      {
        API_KEYS: 'busy-key:submitter,calm-key:submitter',
        RATE_LIMIT_PER_SECOND: '1000',
        MAX_SUBSCRIPTIONS_PER_KEY: '3',
        WORKER_CONCURRENCY: '0',
      },
      { engine },
    );
  });
  afterAll(() => t.stop());
  const STATS = 'subscription { queueStats { maxSize } }';

  /** Opens a queueStats subscription over WebSocket; resolves once its first value (or its error) arrives. */
  function wsSubscription(key: string, query = STATS, variables: Record<string, unknown> = {}) {
    const client = t.ws(key);
    return new Promise<{ code?: string; end(): void }>((resolve, reject) => {
      let end = () => {};
      end = client.subscribe(
        { query, variables },
        {
          next: (r) => resolve({ code: (r as GraphQLResponse).errors?.[0]?.extensions?.code, end }),
          error: (e) => {
            const errors = e as { extensions?: { code?: string } }[];
            if (Array.isArray(errors)) resolve({ code: errors[0]?.extensions?.code, end });
            else reject(e);
          },
          complete: () => {},
        },
      );
    });
  }

  /** Opens a queueStats subscription over SSE; resolves with its first event's code (undefined: a value). */
  async function sseSubscription(key: string) {
    const abort = new AbortController();
    const res = await fetch(t.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${key}`,
      },
      body: JSON.stringify({ query: STATS }),
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    while (!/\n\n/.test(text.replace(/^:.*\n\n/gm, ''))) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const data = /data: (.*)/.exec(text)?.[1];
    const code = data ? (JSON.parse(data) as GraphQLResponse).errors?.[0]?.extensions?.code : undefined;
    return { code, end: () => abort.abort() };
  }

  it('refuses the fourth of a key, over either transport, with RATE_LIMITED; another key is unaffected', async () => {
    const submitted = await t.gql<{ submitQuote: { messageId: string } }>(
      'mutation($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }',
      { input: { submission: SUBMISSION } },
      'busy-key',
    );
    const id = submitted.data!.submitQuote.messageId;
    const a = await wsSubscription('busy-key', MESSAGE_STATUS, { id });
    const b = await sseSubscription('busy-key');
    const c = await wsSubscription('busy-key');
    expect([a.code, b.code, c.code]).toEqual([undefined, undefined, undefined]);
    expect((await wsSubscription('busy-key')).code).toBe('RATE_LIMITED');
    expect((await sseSubscription('busy-key')).code).toBe('RATE_LIMITED');
    expect((await wsSubscription('calm-key')).code).toBeUndefined();
    // An ended subscription frees its slot, whichever transport carried it.
    b.end();
    await expect.poll(async () => (await wsSubscription('busy-key')).code).toBeUndefined();
    // Full again (the message's, the third and the new one) until the message's ends.
    expect((await wsSubscription('busy-key')).code).toBe('RATE_LIMITED');
    a.end();
    await expect.poll(async () => (await wsSubscription('busy-key')).code).toBeUndefined();
  });
});

describe('connections and fragments are bounded', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ MAX_CONNECTIONS: '3' });
  });
  afterAll(() => t.stop());

  /** A keep-alive connection that has had one request answered (so the server holds it). */
  function heldConnection(): Promise<{ socket: Socket; answer: string }> {
    return new Promise((resolve) => {
      const socket = connect(t.server.port, '127.0.0.1', () =>
        socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n'),
      );
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        answer += chunk;
        if (answer.includes('\r\n\r\n')) resolve({ socket, answer });
      });
      socket.on('close', () => resolve({ socket, answer }));
      socket.on('error', () => {});
    });
  }

  it('drops connections past MAX_CONNECTIONS without answering them', async () => {
    const held = [await heldConnection(), await heldConnection(), await heldConnection()];
    for (const h of held) expect(h.answer).toMatch(/^HTTP\/1\.1 200/);
    const extra = await heldConnection();
    expect(extra.answer).toBe('');
    for (const h of held) h.socket.destroy();
  });
});

describe('WebSocket messages are bounded in fragments', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.stop());

  it(`closes a WebSocket whose message comes in more than ${MAX_FRAGMENTS} fragments (1008)`, async () => {
    const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve) => ws.on('open', resolve));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    for (let i = 0; i < MAX_FRAGMENTS + 1; i++) ws.send(' ', { fin: false });
    ws.send(JSON.stringify({ type: 'connection_init' }), { fin: true });
    expect(await closed).toBe(1008);
  });
});

describe('wrong keys are throttled per client address', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ API_KEYS: 'good-key:admin', RATE_LIMIT_PER_SECOND: '1000' });
  });
  afterAll(() => t.stop());
  const query = '{ queueStats { maxSize } }';

  it('answers a missing key 401 with the GraphQL response media type and the code in the body', async () => {
    const res = await post(t.url, query, undefined, {});
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/graphql-response\+json/);
    expect(codeOf(res.json())).toBe('UNAUTHENTICATED');
  });

  it('answers a missing key over SSE as an event on a 200 stream, as SSE clients read it', async () => {
    const res = await post(t.url, 'subscription { queueStats { maxSize } }', undefined, {
      accept: 'text/event-stream',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.body).toMatch(/"code":"UNAUTHENTICATED"/);
  });

  it('slows an address after 10 wrong keys (429), while a good key from another address passes', async () => {
    const from = (localAddress: string, key: string) =>
      send(t.url, {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query }),
      });
    for (let i = 0; i < 10; i++) {
      const res = await from('127.0.0.1', `guess-${i}`);
      expect(res.status).toBe(401);
    }
    const throttled = await from('127.0.0.1', 'guess-10');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(codeOf(throttled.json())).toBe('RATE_LIMITED');
    // The throttled address is refused before its key is looked at, so a right guess tells it nothing.
    expect((await from('127.0.0.1', 'good-key')).status).toBe(429);
    const other = await from('127.0.0.2', 'good-key');
    expect(other.status).toBe(200);
    expect(other.json().data).toEqual({ queueStats: { maxSize: 1000 } });
    // And over WebSocket: the throttled address's connection_init is refused whatever its key.
    const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws', { localAddress: '127.0.0.1' });
    const closed = new Promise<[number, string]>((resolve) =>
      ws.on('close', (code, reason) => resolve([code, String(reason)])),
    );
    ws.on('open', () =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer good-key' } })),
    );
    const [code, reason] = await closed;
    expect(code).toBe(4401);
    expect(reason).toMatch(/^RATE_LIMITED/);
  });
});
