// Creates, per API key, the GraphQL client (queries and mutations over HTTP) and the live link
// (subscriptions over WebSocket, SSE or polling), and hands both to the page. A new key makes new ones.

import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { Client, cacheExchange, fetchExchange, Provider as UrqlProvider } from 'urql';
import { authHeaders } from '../auth/api-key.js';
import { type LinkState, LiveLink } from './link.js';
import { createSseTransport } from './sse-transport.js';
import type { Mode } from './types.js';
import { createWsTransport } from './ws-transport.js';

const GRAPHQL_PATH = '/graphql';

interface LiveContextValue {
  link: LiveLink;
  client: Client;
}

const LiveContext = createContext<LiveContextValue | null>(null);

/** `?transport=sse` or `?transport=poll` starts lower on the ladder (support and demos). */
function initialMode(): Mode {
  const wanted = new URLSearchParams(location.search).get('transport');
  return wanted === 'sse' || wanted === 'poll' ? wanted : 'ws';
}

function wsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${GRAPHQL_PATH}`;
}

export function LiveProvider({ apiKey, children }: { apiKey: string; children: ReactNode }) {
  const value = useMemo<LiveContextValue>(() => {
    const client = new Client({
      url: GRAPHQL_PATH,
      exchanges: [cacheExchange, fetchExchange],
      fetchOptions: () => ({ headers: authHeaders(apiKey) }),
      requestPolicy: 'cache-and-network',
    });
    const link = new LiveLink({
      transports: {
        ws: () => createWsTransport({ url: wsUrl(), apiKey }),
        sse: () => createSseTransport({ url: GRAPHQL_PATH, apiKey }),
      },
      reachable: async () => (await fetch('/health', { cache: 'no-store' })).ok,
      probeRequest: { query: 'subscription Probe { queueStats { pendingCount } }', variables: {} },
      initialMode: initialMode(),
    });
    return { client, link };
  }, [apiKey]);

  useEffect(() => () => value.link.dispose(), [value]);

  return (
    <LiveContext.Provider value={value}>
      <UrqlProvider value={value.client}>{children}</UrqlProvider>
    </LiveContext.Provider>
  );
}

export function useLive(): LiveContextValue {
  const value = useContext(LiveContext);
  if (!value) throw new Error('useLive must be used inside <LiveProvider>');
  return value;
}

/** The link's mode and reachability, re-rendering when they change. */
export function useLinkState(): LinkState {
  const { link } = useLive();
  const [state, setState] = useState(link.snapshot);
  useEffect(() => {
    setState(link.snapshot);
    return link.onChange(setState);
  }, [link]);
  return state;
}
