// The queue's figures, live: the `queueStats` subscription, or a query every 3 s in poll mode.
import { stringifyDocument } from '@urql/core';
import { useEffect, useState } from 'react';
import { PollStats, WatchStats } from '../api/operations.js';
import type { ResultOf } from '../graphql.js';
import { follow } from './follow.js';
import { useLive } from './LiveProvider.js';
import type { GraphQLErrorShape } from './types.js';

export type Stats = ResultOf<typeof WatchStats>['queueStats'];

export interface LiveStatsState {
  stats: Stats | null;
  /** When these figures arrived (ms since epoch). */
  at: number;
  error: GraphQLErrorShape | null;
}

const watchQuery = stringifyDocument(WatchStats);

export function useLiveStats(): LiveStatsState {
  const { link, client } = useLive();
  const [state, setState] = useState<LiveStatsState>({ stats: null, at: 0, error: null });

  useEffect(() => {
    const set = (stats: Stats) => setState({ stats, at: Date.now(), error: null });
    return follow({
      link,
      request: () => ({ query: watchQuery, variables: {}, operationName: 'WatchStats' }),
      onData: (data) => {
        const stats = (data as { queueStats?: Stats } | null)?.queueStats;
        if (stats) set(stats);
      },
      poll: async () => {
        const result = await client.query(PollStats, {}, { requestPolicy: 'network-only' }).toPromise();
        if (result.error) {
          if (result.error.graphQLErrors.length) throw result.error.graphQLErrors;
          throw result.error.networkError ?? result.error;
        }
        if (result.data) set(result.data.queueStats);
      },
      onError: (error) => setState((s) => (s.error === error ? s : { ...s, error })),
    });
  }, [link, client]);

  return state;
}
