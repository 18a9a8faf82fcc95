// What the page reads of a message, shared by the live subscription, polling, mutations and lists.
import { graphql, type ResultOf } from '../graphql.js';

/** Every field a message card shows, except its event timeline (costlier: it reads the event log). */
export const MessageFields = graphql(`
  fragment MessageFields on MessageState @_unmask {
    id
    status
    priority
    createdAt
    startedAt
    completedAt
    errorMessage
    retryCount
    maxRetries
    timeoutSeconds
    nextAttemptAt
    runAt
    deadLettered
    version
    payload
    useAgentic
    attemptCount
    queuePosition
    result {
      decision
      annualPremium
      basePremium
      reasons
      factors { name value reason }
    }
    review { state reasons reviewer notes decidedAt }
    steps { name status startedAt finishedAt durationMs findings }
  }
`);

/** The stored changes of a message, oldest first: the card's timeline. */
export const TimelineFields = graphql(`
  fragment TimelineFields on QueueMessage @_unmask {
    timeline: history { version at kind status }
    attempts { attempt startedAt endedAt outcome error }
  }
`);

export type Message = ResultOf<typeof MessageFields>;
export type Timeline = ResultOf<typeof TimelineFields>;
/** A message version as received live: the message, with the timeline as stored when it was read. */
export type LiveMessage = Message & Partial<Timeline>;
