// A raw graphql-transport-ws client for fuzzing: sends any frame, even ones a real client never would, and
// reports every message and the close code, each with a deadline (so a hang fails instead of waiting).
import WebSocket from 'ws';

export interface WsMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

export interface RawSocket {
  send(frame: string | Buffer): void;
  /** The next message with this id (or of this type), or null when the socket closes first. */
  next(match: (m: WsMessage) => boolean, timeoutMs?: number): Promise<WsMessage | null>;
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export async function openRaw(url: string, init: unknown = { type: 'connection_init' }): Promise<RawSocket> {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  const inbox: WsMessage[] = [];
  let notify: (() => void) | null = null;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      notify?.();
    }),
  );
  let isClosed = false;
  void closed.then(() => {
    isClosed = true;
  });
  ws.on('message', (data) => {
    inbox.push(JSON.parse(String(data)) as WsMessage);
    notify?.();
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const socket: RawSocket = {
    send: (frame) => ws.send(frame),
    async next(match, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = inbox.findIndex(match);
        if (i >= 0) return inbox.splice(i, 1)[0]!;
        if (isClosed) return null;
        if (Date.now() > deadline) throw new Error(`no message within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, Math.max(1, deadline - Date.now()));
        });
        notify = null;
      }
    },
    closed,
    async close() {
      if (!isClosed) ws.close(1000);
      await closed;
    },
  };
  socket.send(JSON.stringify(init));
  return socket;
}
