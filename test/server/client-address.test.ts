// TRUST_PROXY: per-address limits count the address a trusted proxy forwarded (X-Forwarded-For), and only when
// the direct peer is such a proxy. Peers are real loopback addresses (127.0.0.1 as the proxy, 127.0.0.2 as a
// client connecting directly), over real HTTP and WebSocket.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const PROXY = '127.0.0.1';
const DIRECT = '127.0.0.2';

/** Opens a WebSocket from `localAddress` with X-Forwarded-For `xff`; resolves with 101 or the refusal's status. */
function upgrade(
  t: TestServer,
  localAddress: string,
  xff?: string,
): Promise<{ status: number; ws: WebSocket }> {
  const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws', {
    localAddress,
    headers: xff ? { 'x-forwarded-for': xff } : {},
  });
  ws.on('error', () => {});
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ws }));
  });
}

/** POSTs a query with a wrong key from `localAddress` with X-Forwarded-For `xff`; resolves with the code. */
async function wrongKey(t: TestServer, localAddress: string, xff: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      t.url,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer guess',
          'x-forwarded-for': xff,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve(JSON.parse(body).errors[0].extensions.code as string));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query: '{ queueStats { maxSize } }' }));
  });
}

describe('without TRUST_PROXY', () => {
  let t: TestServer;
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    t = await startTestServer({ WS_MAX_CONNECTIONS_PER_CLIENT: '2' });
  });
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await t.stop();
  });

  it('counts the direct peer, whatever X-Forwarded-For says', async () => {
    for (const xff of ['203.0.113.1', '203.0.113.2']) {
      const { status, ws } = await upgrade(t, PROXY, xff);
      sockets.push(ws);
      expect(status).toBe(101);
    }
    const third = await upgrade(t, PROXY, '203.0.113.3');
    sockets.push(third.ws);
    expect(third.status).toBe(429);
  });
});

describe('with TRUST_PROXY naming the proxy', () => {
  let t: TestServer;
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    t = await startTestServer({
      WS_MAX_CONNECTIONS_PER_CLIENT: '2',
      TRUST_PROXY: `${PROXY}, 10.0.0.0/8`,
      API_KEYS: 'good:admin',
    });
  });
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await t.stop();
  });

  const open = async (localAddress: string, xff?: string) => {
    const { status, ws } = await upgrade(t, localAddress, xff);
    sockets.push(ws);
    return status;
  };

  it('counts each forwarded client on its own behind the proxy', async () => {
    expect(await open(PROXY, '203.0.113.1')).toBe(101);
    expect(await open(PROXY, '203.0.113.1')).toBe(101);
    expect(await open(PROXY, '203.0.113.1')).toBe(429);
    // Another user behind the same balancer is not refused.
    expect(await open(PROXY, '203.0.113.2')).toBe(101);
    // Through a chain of trusted proxies (10.0.0.0/8), the client is the first untrusted hop from the right.
    expect(await open(PROXY, '203.0.113.2, 10.1.2.3')).toBe(101);
    expect(await open(PROXY, '203.0.113.2, 10.1.2.3')).toBe(429);
  });

  it('ignores a client’s own X-Forwarded-For entries: the proxy’s last entry is the one counted', async () => {
    expect(await open(PROXY, '198.51.100.7')).toBe(101);
    expect(await open(PROXY, '198.51.100.7')).toBe(101);
    // The same client, at its cap, writes a fresh address in front: the proxy appended its real one after it.
    expect(await open(PROXY, '192.0.2.99, 198.51.100.7')).toBe(429);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    expect(await open(DIRECT, '203.0.113.50')).toBe(101);
    expect(await open(DIRECT, '203.0.113.51')).toBe(101);
    expect(await open(DIRECT, '203.0.113.52')).toBe(429);
  });

  it('throttles wrong keys per forwarded client, not per proxy', async () => {
    for (let i = 0; i < 10; i++) expect(await wrongKey(t, PROXY, '203.0.113.9')).toBe('UNAUTHENTICATED');
    expect(await wrongKey(t, PROXY, '203.0.113.9')).toBe('RATE_LIMITED');
    expect(await wrongKey(t, PROXY, '203.0.113.10')).toBe('UNAUTHENTICATED');
  });
});

describe('TRUST_PROXY in the configuration', () => {
  it('takes addresses and CIDR ranges of both families, and refuses anything else naming the variable', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 172.16.0.0/12, fd00::/8, loopback' }).TRUST_PROXY).toEqual([
      '10.0.0.1',
      '172.16.0.0/12',
      'fd00::/8',
      'loopback',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/8,balancer.internal' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({}).TRUST_PROXY).toBeUndefined();
  });
});
