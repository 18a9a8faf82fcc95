// Server-Sent Events transport (graphql-sse, distinct connections mode: one HTTP stream per subscription,
// which is what graphql-yoga serves). Browsers allow about six HTTP/1.1 connections per host, so the live
// link hands out a few stream slots and views beyond them poll until a slot frees.
import { createClient } from 'graphql-sse';
import { authHeaders } from '../auth/api-key.js';
import { guardedTransport } from './deferred-dispose.js';
import type { StreamTransport } from './types.js';

export interface SseTransportOptions {
  url: string;
  apiKey: string;
}

export function createSseTransport(options: SseTransportOptions): StreamTransport {
  const client = createClient({
    url: options.url,
    headers: () => authHeaders(options.apiKey),
    retryAttempts: 0,
  });
  return guardedTransport(client);
}
