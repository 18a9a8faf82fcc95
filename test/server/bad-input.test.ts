// Bad input of every kind gets a clear error with a code, and the service goes on serving.
import { request } from 'node:http';
import { connect } from 'node:net';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/server/yoga.js';
import { ENGINES } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe.each(ENGINES)('bad input on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ WORKER_CONCURRENCY: '0' }, { engine });
  });
  afterAll(() => t.stop());
  // After each bad request the service must still answer a good one.
  afterEach(async () => {
    const res = await t.gql<{ queueStats: { maxSize: number } }>('{ queueStats { maxSize } }');
    expect(res.data?.queueStats.maxSize).toBe(1000);
  });

  async function post(
    body: string,
    contentType = 'application/json',
  ): Promise<{ status: number; json: { errors?: { message: string; extensions?: { code?: string } }[] } }> {
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': contentType }, body });
    return { status: res.status, json: (await res.json()) as never };
  }

  /** A valid query exactly `levels` deep: __type (1), fields, type, then ofType down to a leaf. */
  function nested(levels: number): string {
    let inner = 'name';
    for (let i = 0; i < levels - 4; i++) inner = `ofType { ${inner} }`;
    return `{ __type(name: "Query") { fields { type { ${inner} } } } }`;
  }

  describe('malformed requests', () => {
    it('a body that is not JSON', async () => {
      const { json } = await post('{"query": ');
      expect(json.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('a query with a syntax error', async () => {
      const { json } = await post(JSON.stringify({ query: '{ queueStats { ' }));
      expect(json.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('a field that does not exist', async () => {
      const res = await t.gql('{ queueStats { nope } }');
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toContain('nope');
    });

    it('a variable of the wrong type, or missing', async () => {
      const wrong = await t.gql(
        'mutation($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }',
        {
          input: { submission: { applicantName: 'A', address: 'B', coverageAmount: 'lots' } },
        },
      );
      expect(wrong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(wrong.errors?.[0]?.message).toContain('coverageAmount');
      const missing = await t.gql('query($id: ID!) { queueMessage(id: $id) { id } }', {});
      expect(missing.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('a form post (which a browser may send cross-site) is refused', async () => {
      const { status, json } = await post(
        'query=%7BqueueStats%7BmaxSize%7D%7D',
        'application/x-www-form-urlencoded',
      );
      expect(status).toBe(415);
      expect(json.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('a body over 1 MB', async () => {
      const { json } = await post(
        JSON.stringify({ query: '{ queueStats { maxSize } }', variables: { pad: 'x'.repeat(2_000_000) } }),
      );
      expect(json.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('a mutation over GET is refused', async () => {
      // With the CSRF-prevention header, so the refusal is the one of mutations over GET.
      const res = await fetch(`${t.url}?query=${encodeURIComponent('mutation { pauseWorker }')}`, {
        headers: { 'x-graphql-yoga-csrf': '1' },
      });
      const json = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(json.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  /** A JSON body of exactly `bytes` bytes, a valid query whose unused variable pads it. */
  function bodyOf(bytes: number): string {
    const shell = JSON.stringify({ query: '{ queueStats { maxSize } }', variables: { pad: '' } });
    return JSON.stringify({
      query: '{ queueStats { maxSize } }',
      variables: { pad: 'x'.repeat(bytes - shell.length) },
    });
  }

  interface RawAnswer {
    status: number;
    connection: string | undefined;
    json: { data?: unknown; errors?: { extensions?: { code?: string; reason?: string } }[] };
  }

  /** POSTs `body` with Transfer-Encoding: chunked (no Content-Length), 10 KB a chunk. */
  function postChunked(body: string): Promise<RawAnswer> {
    const url = new URL(t.url);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              connection: res.headers.connection,
              json: JSON.parse(text),
            }),
          );
        },
      );
      req.on('error', reject);
      for (let i = 0; i < body.length; i += 10_000) req.write(body.slice(i, i + 10_000));
      req.end();
    });
  }

  /** Sends `text` as it is over a fresh connection; resolves with the status line of the answer. */
  function rawStatus(text: string): Promise<string> {
    const url = new URL(t.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write(text));
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        answer += chunk;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    });
  }

  describe('request body cap', () => {
    // The cap trusts Content-Length because node's parser refuses every request whose length is ambiguous.
    it('refuses a body with both Content-Length and Transfer-Encoding, or two lengths', async () => {
      const body = JSON.stringify({ query: '{ queueStats { maxSize } }' });
      const head =
        'POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close\r\n';
      const both = `${head}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
      expect(await rawStatus(both)).toBe('HTTP/1.1 400 Bad Request');
      const twice = `${head}Content-Length: ${body.length}\r\nContent-Length: 5\r\n\r\n${body}`;
      expect(await rawStatus(twice)).toBe('HTTP/1.1 400 Bad Request');
      expect(await rawStatus(`${head}Content-Length: ${body.length}\r\n\r\n${body}`)).toBe('HTTP/1.1 200 OK');
    });

    it('takes a body of exactly the cap and refuses one byte more, by Content-Length', async () => {
      const at = await post(bodyOf(MAX_BODY_BYTES));
      expect(at.status).toBe(200);
      expect(at.json.errors).toBeUndefined();
      const over = await post(bodyOf(MAX_BODY_BYTES + 1));
      expect(over.status).toBe(413);
      expect(over.json.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        reason: 'REQUEST_ENTITY_TOO_LARGE',
      });
    });

    it('counts a chunked body (no Content-Length) and closes the connection once it is over', async () => {
      const at = await postChunked(bodyOf(MAX_BODY_BYTES));
      expect(at.status).toBe(200);
      expect(at.json).toEqual({ data: { queueStats: { maxSize: 1000 } } });
      const over = await postChunked(bodyOf(MAX_BODY_BYTES * 3));
      expect(over.status).toBe(413);
      expect(over.json.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        reason: 'REQUEST_ENTITY_TOO_LARGE',
      });
      expect(over.connection).toBe('close');
    });
  });

  describe('document limits', () => {
    it('refuses a document nested deeper than 20 levels, accepts 20', async () => {
      const deep = await t.gql(nested(21));
      expect(deep.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(deep.errors?.[0]?.message).toMatch(/levels deep/);
      const ok = await t.gql(nested(20));
      expect(ok.errors).toBeUndefined();
    });

    it('counts depth through fragments', async () => {
      const fragment = `fragment F on QueueMessage { history { message { history { message { history { message { history { message { history { message { id } } } } } } } } } } }`;
      const deep = await t.gql(
        `{ queueMessage(id: "x") { history { message { history { message { history { message { history { message { history { message { ...F } } } } } } } } } } } } ${fragment}`,
      );
      expect(deep.errors?.[0]?.message).toMatch(/levels deep/);
    });

    it('refuses more than 100 aliases, accepts 100', async () => {
      const aliases = (n: number) =>
        `{ ${Array.from({ length: n }, (_, i) => `a${i}: queueStats { maxSize }`).join(' ')} }`;
      const many = await t.gql(aliases(101));
      expect(many.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(many.errors?.[0]?.message).toMatch(/aliases/);
      expect((await t.gql(aliases(100))).errors).toBeUndefined();
    });

    it('limits introspection too, yet GraphiQL’s own introspection query passes', async () => {
      const res = await t.gql<{ __schema: { types: unknown[] } }>(
        getIntrospectionQuery({
          descriptions: true,
          specifiedByUrl: true,
          directiveIsRepeatable: true,
          schemaDescription: true,
          inputValueDeprecation: true,
        }),
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.__schema.types.length).toBeGreaterThan(10);
      let deep = 'name';
      for (let i = 0; i < 21; i++) deep = `ofType { ${deep} }`;
      const tooDeep = await t.gql(`{ __type(name: "Query") { fields { type { ${deep} } } } }`);
      expect(tooDeep.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('refuses more than 1,000 fields before graphql’s quadratic validation runs, at once', async () => {
      const started = performance.now();
      const res = await t.gql(`{ queueStats { ${'maxSize '.repeat(9000)} } }`);
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/9001 fields; at most 1000/);
      // Validated, the same document held the event loop for about 10 s.
      expect(performance.now() - started).toBeLessThan(1000);
      const fragment = `fragment F on QueueStats { ${'maxSize '.repeat(40)} }`;
      const spread = await t.gql(
        `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: queueStats { ...F }`).join(' ')} } ${fragment}`,
      );
      expect(spread.errors?.[0]?.message).toMatch(/1230 fields/);
    });

    it('refuses a document with too many tokens', async () => {
      const res = await t.gql(`{ ${'__typename '.repeat(20_000)} }`);
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('masking', () => {
    it('never shows stack traces or SQL', async () => {
      const res = await post(
        JSON.stringify({ query: '{ queueMessage(id: "x\'; DROP TABLE messages; --") { id } }' }),
      );
      expect(JSON.stringify(res.json)).not.toMatch(/stack|sqlite|postgres|SELECT/i);
    });

    // Values a database may refuse (NUL in text, a huge or odd id) reach storage as parameters, never as errors.
    it('answers ids and keys a database may refuse without a storage error', async () => {
      for (const id of ['\u0000', 'a\u0000b', '9'.repeat(5000), '-1', '1e400', '%_\\']) {
        const read = await t.gql('query($id: ID!) { queueMessage(id: $id) { id } }', { id });
        expect(read, id).toEqual({ data: { queueMessage: null } });
        const cancel = await t.gql('mutation($id: ID!) { cancelMessage(id: $id) { id } }', { id });
        expect(cancel.errors?.[0]?.extensions?.code, id).toBe('NOT_FOUND');
        expect(JSON.stringify(cancel)).not.toMatch(/stack|sqlite|postgres|SELECT/i);
      }
    });
  });
});
