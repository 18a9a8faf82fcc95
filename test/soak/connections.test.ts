// Idle, half-open and abusive connections are cut: HTTP header/request/keep-alive deadlines, the WebSocket
// connection_init deadline and heartbeat, the frame size limit, and the cap on sockets per client address.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type FaultServer, startFaultServer } from '../faults/fault-server.js';

let t: FaultServer;
let port: number;
beforeAll(async () => {
  t = await startFaultServer(
    { WS_MAX_CONNECTIONS_PER_CLIENT: '5' },
    { headersMs: 400, requestMs: 800, keepAliveMs: 300, checkEveryMs: 100, heartbeatMs: 200, initMs: 300 },
  );
  port = Number(new URL(t.url).port);
});
afterAll(() => t.stop());

/** A raw TCP connection; resolves with everything the server sent once it closes, and when. */
function rawConnection(): { socket: Socket; ended: Promise<{ text: string; afterMs: number }> } {
  const started = performance.now();
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString();
  });
  const ended = new Promise<{ text: string; afterMs: number }>((resolve) =>
    socket.on('close', () => resolve({ text, afterMs: performance.now() - started })),
  );
  socket.on('error', () => {});
  return { socket, ended };
}

function openWs(headers: Record<string, string> = {}, options: WebSocket.ClientOptions = {}): WebSocket {
  const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws', { headers, ...options });
  ws.on('error', () => {});
  return ws;
}

const closeOf = (ws: WebSocket) => new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
const opened = (ws: WebSocket) =>
  new Promise<number>((resolve) => {
    ws.once('open', () => resolve(101));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
  });

describe('HTTP connections', () => {
  it('cuts a connection that never sends a request', async () => {
    const { ended } = rawConnection();
    expect((await ended).afterMs).toBeLessThan(2000);
  });

  it('answers 408 to a request whose headers never finish (slowloris), as JSON', async () => {
    const { socket, ended } = rawConnection();
    socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    const { text, afterMs } = await ended;
    expect(text).toMatch(/^HTTP\/1.1 408/);
    expect(text).toContain('"code":"BAD_USER_INPUT"');
    expect(afterMs).toBeLessThan(2000);
  });

  it('closes an idle keep-alive connection after its deadline', async () => {
    const { socket, ended } = rawConnection();
    socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
    const { text, afterMs } = await ended;
    expect(text).toMatch(/^HTTP\/1.1 200/);
    expect(afterMs).toBeLessThan(2000);
  });
});

describe('WebSocket connections', () => {
  it('closes a socket that sends no connection_init within the deadline (4408)', async () => {
    expect(await closeOf(openWs())).toBe(4408);
  });

  it('terminates a socket that stops answering pings (a half-open connection)', async () => {
    const ws = openWs({}, { autoPong: false });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
    // 1006: the server dropped the TCP connection without a closing handshake.
    expect(await closeOf(ws)).toBe(1006);
  });

  it('refuses a frame larger than a request body may be (1009)', async () => {
    const ws = openWs();
    await opened(ws);
    ws.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(200_000) } }));
    expect(await closeOf(ws)).toBe(1009);
  });

  it('caps the sockets one client address holds, and frees a place when one closes', async () => {
    const sockets = Array.from({ length: 5 }, () => openWs());
    expect(await Promise.all(sockets.map(opened))).toEqual([101, 101, 101, 101, 101]);
    const extra = openWs();
    expect(await opened(extra)).toBe(429);
    sockets[0]!.close();
    await closeOf(sockets[0]!);
    await expect.poll(() => t.server.openSockets).toBe(4);
    const again = openWs();
    expect(await opened(again)).toBe(101);
    for (const ws of [...sockets, again]) ws.terminate();
    await expect.poll(() => t.server.socketClients).toBe(0);
  });
});
