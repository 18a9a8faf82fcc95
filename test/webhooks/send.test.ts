// One webhook call against real servers on 127.0.0.1: the checked address used without a second lookup, redirects
// not followed, the whole-call limit, the certificate checked for the URL's host name, and kept-alive connections
// reused and ended by destroy.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import {
  createServer,
  Agent as HttpAgent,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer, Agent as HttpsAgent } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedTarget } from '../../src/webhooks/address.js';
import { type Agents, callWebhook } from '../../src/webhooks/send.js';

const DELIVERY = {
  id: 'msg_send_test',
  secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`,
  body: '{"a":1}',
};
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const calls: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    calls.push(req);
    req.resume();
    req.on('end', () => handler(req, res));
  });
  return { server, calls };
}

/** A name that cannot resolve (RFC 6761), pinned to 127.0.0.1 as the address check would have. */
const pinned = (port: number, protocol = 'http', path = '/hook'): ResolvedTarget => ({
  url: new URL(`${protocol}://webhook.invalid:${port}${path}`),
  address: '127.0.0.1',
  family: 4,
});

/** The dispatcher's kind of agents: kept-alive connections, at most `sockets` per origin. */
function agents(sockets = 4): Agents {
  const a = {
    http: new HttpAgent({ keepAlive: true, maxSockets: sockets }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: sockets }),
  };
  cleanups.push(() => {
    a.http.destroy();
    a.https.destroy();
  });
  return a;
}

describe('callWebhook', () => {
  it('connects to the checked address without resolving the name, sending the URL’s host', async () => {
    const { server, calls } = serve((_req, res) => res.writeHead(204).end());
    const port = await listen(server);
    const result = await callWebhook(pinned(port), DELIVERY, agents(), new Date());
    expect(result).toEqual({ ok: true, statusCode: 204, error: null });
    expect(calls[0]?.headers.host).toBe(`webhook.invalid:${port}`);
    expect(calls[0]?.headers['webhook-id']).toBe(DELIVERY.id);
  });

  it('does not follow a redirect: a 3xx is a failed call and its Location is never called', async () => {
    const other = serve((_req, res) => res.writeHead(204).end());
    const otherPort = await listen(other.server);
    const { server } = serve((_req, res) =>
      res.writeHead(307, { location: `http://127.0.0.1:${otherPort}/hook` }).end(),
    );
    const port = await listen(server);
    const result = await callWebhook(pinned(port), DELIVERY, agents(), new Date());
    expect(result).toEqual({ ok: false, statusCode: 307, error: 'HTTP 307' });
    expect(other.calls).toHaveLength(0);
  });

  it('gives up on a receiver that never answers once the call’s limit has passed, and reuses nothing of it', async () => {
    const { server, calls } = serve(() => {}); // never answers
    const port = await listen(server);
    const result = await callWebhook(pinned(port), DELIVERY, agents(), new Date(), 100);
    expect(result).toEqual({ ok: false, statusCode: null, error: 'timed out' });
    expect(calls).toHaveLength(1);
    // The aborted connection is closed, not handed to the next call.
    const closed = new Promise<void>((resolve) => calls[0]?.socket.once('close', () => resolve()));
    await closed;
  });

  it('verifies the certificate for the URL’s host name (a self-signed one is refused)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qq-send-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=webhook.invalid',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    let servername: string | undefined;
    const server = createTlsServer(
      {
        key: readFileSync(join(dir, 'key.pem')),
        cert: readFileSync(join(dir, 'cert.pem')),
        SNICallback: (name, cb) => {
          servername = name;
          cb(null, undefined);
        },
      },
      (_req, res) => res.writeHead(204).end(),
    );
    const port = await listen(server);
    const result = await callWebhook(pinned(port, 'https'), DELIVERY, agents(), new Date());
    expect(servername).toBe('webhook.invalid');
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/certificate/i);
  });

  it('reuses its kept-alive connection after a dropped body, and destroy ends it', async () => {
    const sockets = new Set<Socket>();
    const { server } = serve((_req, res) => res.writeHead(200).end('a body that is dropped'));
    server.on('connection', (s: Socket) => sockets.add(s));
    const port = await listen(server);
    const a = agents(1);
    for (let i = 0; i < 3; i++)
      expect((await callWebhook(pinned(port), DELIVERY, a, new Date())).ok).toBe(true);
    expect(sockets.size).toBe(1);
    const [socket] = sockets;
    const closed = new Promise<void>((resolve) => socket?.once('close', () => resolve()));
    a.http.destroy();
    await closed;
  });
});
