// A lean graphql-transport-ws subscriber for the subscriptions benchmark: connection_init, one `subscribe` per
// subscription, and each `next` frame parsed once and handed over by its id. The graphql-ws client library
// costs ~10 us per frame (message validation, sinks, promise turns); 10,000 of them in one bench process
// then queue behind each other on the client side and the figure measures the bench, not the server. Real
// subscribers are spread over many processes and machines; this client keeps the client's share small.
import WebSocket from 'ws';

export interface LeanHandlers {
  /** A `next` frame's payload for the subscription numbered `index`. */
  next(index: number, payload: { data?: unknown; errors?: unknown }): void;
  /** An `error` frame, or the socket closed while subscriptions were open. */
  error(index: number, error: unknown): void;
}

export interface LeanSocket {
  close(): Promise<void>;
}

/**
 * Opens one socket carrying subscriptions `first` .. `first + count - 1` (their graphql-ws ids are those
 * numbers), all of the same document and variables or each its own (`request` by index); resolves once they
 * are sent.
 */
export function openLeanSocket(
  url: string,
  first: number,
  count: number,
  request:
    | { query: string; variables: Record<string, unknown> }
    | ((index: number) => { query: string; variables: Record<string, unknown> }),
  handlers: LeanHandlers,
): Promise<LeanSocket> {
  // The server's frames are ours and valid UTF-8: not checking them again keeps the client's share small.
  const ws = new WebSocket(url, 'graphql-transport-ws', {
    skipUTF8Validation: true,
    perMessageDeflate: false,
  });
  let closing = false;
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  return new Promise<LeanSocket>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    ws.once('error', reject);
    ws.on('close', (code, reason) => {
      if (closing) return;
      const error = new Error(`socket closed ${code} ${String(reason)}`);
      reject(error);
      for (let i = first; i < first + count; i++) handlers.error(i, error);
    });
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; id?: string; payload?: unknown };
      switch (message.type) {
        case 'next':
          handlers.next(Number(message.id), message.payload as { data?: unknown; errors?: unknown });
          break;
        case 'error':
          handlers.error(Number(message.id), message.payload);
          break;
        case 'ping':
          ws.send('{"type":"pong"}');
          break;
        case 'connection_ack':
          for (let i = first; i < first + count; i++) {
            const payload = typeof request === 'function' ? request(i) : request;
            ws.send(JSON.stringify({ id: String(i), type: 'subscribe', payload }));
          }
          resolve({
            close() {
              closing = true;
              ws.close(1000);
              return closed;
            },
          });
          break;
        // `complete` (the message is final) and `pong` need nothing.
      }
    });
  });
}
