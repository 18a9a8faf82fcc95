// A message, live: follows `messageStatus` (or polls its event log) and re-renders on every version.
import { stringifyDocument } from '@urql/core';
import { useEffect, useState } from 'react';
import type { LiveMessage, Message } from '../api/message-fields.js';
import { FollowMessage, PollMessage } from '../api/operations.js';
import { followMessage } from './follow-message.js';
import { useLive } from './LiveProvider.js';
import type { GraphQLErrorShape, Mode } from './types.js';

export interface LiveMessageState {
  message: LiveMessage | null;
  /** Fatal: the view has stopped (e.g. NOT_FOUND). Not fatal: the transport struggles, the view retries. */
  error: { error: GraphQLErrorShape; fatal: boolean } | null;
  mode: Mode | null;
}

const followQuery = stringifyDocument(FollowMessage);

/** `initial`: a version already at hand (a mutation's answer), shown until the live one arrives. */
export function useLiveMessage(id: string, initial?: Message): LiveMessageState {
  const { link, client } = useLive();
  const [state, setState] = useState<LiveMessageState>({ message: initial ?? null, error: null, mode: null });

  useEffect(() => {
    return followMessage<LiveMessage>({
      link,
      subscription: (afterVersion) => ({
        query: followQuery,
        variables: afterVersion === null ? { id } : { id, afterVersion },
        operationName: 'FollowMessage',
      }),
      fromData: (data) => (data as { messageStatus?: LiveMessage } | null)?.messageStatus ?? null,
      poll: async (afterVersion) => {
        const result = await client
          .query(PollMessage, { id, afterVersion }, { requestPolicy: 'network-only' })
          .toPromise();
        if (result.error) {
          if (result.error.graphQLErrors.length) throw result.error.graphQLErrors;
          throw result.error.networkError ?? result.error;
        }
        const now = result.data?.queueMessage;
        if (!now) throw [{ message: `No message with id ${id}`, extensions: { code: 'NOT_FOUND' } }];
        const { changes, ...message } = now;
        // Every stored version in order, the last one replaced by the message now (which has the timeline).
        const versions: LiveMessage[] = changes
          .map((c) => c.message)
          .filter((m) => m.version < message.version);
        versions.push(message);
        return versions;
      },
      onVersion: (message) => setState((s) => ({ ...s, message, error: null })),
      onError: (error, fatal) =>
        setState((s) => (error || s.error ? { ...s, error: error ? { error, fatal } : null } : s)),
      onMode: (mode) => setState((s) => (s.mode === mode ? s : { ...s, mode })),
    });
  }, [id, link, client]);

  return state;
}
