// WebSocket transport: one shared graphql-ws (graphql-transport-ws) socket for every live view.
// The client does not retry by itself: the live layer resubscribes each view with `afterVersion`, so a
// reconnect resumes where the view stood instead of replaying from the start.
import { createClient } from 'graphql-ws';
import { guardedTransport } from './deferred-dispose.js';
import type { StreamTransport } from './types.js';

export interface WsTransportOptions {
  url: string;
  apiKey: string;
  /** Told when the socket is acknowledged (true) or closes (false). */
  onConnected?: (connected: boolean) => void;
}

export function createWsTransport(options: WsTransportOptions): StreamTransport {
  const client = createClient({
    url: options.url,
    connectionParams: () => (options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    lazy: true,
    lazyCloseTimeout: 2_000,
    retryAttempts: 0,
    // A proxy that accepts the upgrade but never answers must count as a failure, not hang.
    connectionAckWaitTimeout: 5_000,
    keepAlive: 20_000,
    on: {
      connected: () => options.onConnected?.(true),
      closed: () => options.onConnected?.(false),
    },
  });
  return guardedTransport(client);
}
