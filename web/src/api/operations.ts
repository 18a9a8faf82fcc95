// Every GraphQL operation the page sends, typed from the schema. One place, so the set is easy to audit.
import { graphql } from '../graphql.js';
import { MessageFields, TimelineFields } from './message-fields.js';

export const SubmitQuote = graphql(
  `
  mutation SubmitQuote($input: SubmitQuoteInput!) {
    submitQuote(input: $input) {
      messageId
      queuePosition
      estimatedProcessingTime
      message { ...MessageFields }
    }
  }
`,
  [MessageFields],
);

export const RunQuote = graphql(
  `
  mutation RunQuote($input: RunQuoteInput!) {
    runQuote(input: $input) { ...MessageFields }
  }
`,
  [MessageFields],
);

export const CancelMessage = graphql(
  `
  mutation CancelMessage($id: ID!) {
    cancelMessage(id: $id) { ...MessageFields }
  }
`,
  [MessageFields],
);

export const RetryMessage = graphql(
  `
  mutation RetryMessage($id: ID!) {
    retryMessage(id: $id) { ...MessageFields }
  }
`,
  [MessageFields],
);

export const ReviewQuote = graphql(
  `
  mutation ReviewQuote($id: ID!, $action: ReviewAction!, $notes: String) {
    reviewQuote(id: $id, action: $action, notes: $notes) { ...MessageFields }
  }
`,
  [MessageFields],
);

export const PauseWorker = graphql(`mutation PauseWorker { pauseWorker }`);
export const ResumeWorker = graphql(`mutation ResumeWorker { resumeWorker }`);

/** Live view of one message: every version after `afterVersion`, then each change. */
export const FollowMessage = graphql(
  `
  subscription FollowMessage($id: ID!, $afterVersion: Int) {
    messageStatus(id: $id, afterVersion: $afterVersion) { ...MessageFields ...TimelineFields }
  }
`,
  [MessageFields, TimelineFields],
);

/** Polling fallback for one message: its state now, plus every version after the last one seen. */
export const PollMessage = graphql(
  `
  query PollMessage($id: ID!, $afterVersion: Int!) {
    queueMessage(id: $id) {
      ...MessageFields
      ...TimelineFields
      changes: history(afterVersion: $afterVersion) { version message { ...MessageFields } }
    }
  }
`,
  [MessageFields, TimelineFields],
);

const StatsFields = graphql(`
  fragment StatsFields on QueueStats @_unmask {
    pendingCount
    processingCount
    completedCount
    failedCount
    cancelledCount
    deadLetterCount
    maxSize
    oldestPending
    longestProcessing
    meanProcessingMs
    recentErrorRate
    recentAttempts
    scheduledRetries
    scheduledCount
    nextScheduledAt
    reviewPendingCount
    workerPaused
    pendingByPriority { priority count }
  }
`);

export const WatchStats = graphql(
  `
  subscription WatchStats { queueStats { ...StatsFields } }
`,
  [StatsFields],
);

export const PollStats = graphql(
  `
  query PollStats { queueStats { ...StatsFields } }
`,
  [StatsFields],
);

export const ListMessages = graphql(
  `
  query ListMessages($status: [QueueStatus!], $priority: [MessagePriority!], $first: Int) {
    queueMessages(status: $status, priority: $priority, first: $first) {
      totalCount
      nodes { ...MessageFields }
    }
  }
`,
  [MessageFields],
);

export const ListDeadLetters = graphql(
  `
  query ListDeadLetters($filter: DeadLetterFilter) {
    deadLetters(first: 50, filter: $filter) { totalCount nodes { ...MessageFields } }
  }
`,
  [MessageFields],
);

export const RetryMessages = graphql(`
  mutation RetryMessages($filter: DeadLetterFilter!) {
    retryMessages(filter: $filter)
  }
`);

export const ListReviewQueue = graphql(
  `
  query ListReviewQueue {
    reviewQueue(first: 50) { totalCount nodes { ...MessageFields } }
  }
`,
  [MessageFields],
);

export const ListWorkers = graphql(`
  query ListWorkers {
    workers { id host pid api concurrency running lastHeartbeat }
  }
`);

export const ListWebhooks = graphql(`
  query ListWebhooks {
    webhooks { id url events description createdAt }
    webhookDeliveries(first: 20) {
      id webhookId type messageId status attempts lastError lastStatusCode nextAttemptAt deliveredAt createdAt
    }
  }
`);

export const RedeliverWebhookDelivery = graphql(`
  mutation RedeliverWebhookDelivery($id: ID!) {
    redeliverWebhookDelivery(id: $id) { id status attempts nextAttemptAt }
  }
`);

export const SubmitQuotes = graphql(`
  mutation SubmitQuotes($input: [SubmitQuoteInput!]!) {
    submitQuotes(input: $input) { messageId }
  }
`);

/** A batch's messages, compactly: what its live list shows. */
export const BatchMessages = graphql(`
  query BatchMessages($ids: [ID!]!) {
    queueMessagesByIds(ids: $ids) { id status payload result { decision } }
  }
`);
