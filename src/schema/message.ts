// QueueMessage and what hangs off it: its change history, its attempts and its workflow steps. A change carries
// the message as it stood (MessageSnapshot): the same state, but no history or attempts of its own, so a
// document cannot nest histories inside histories (each level multiplied the work by a history's length).
import type { AttemptRecord, Message, MessageEvent } from '../queue/types.js';
import { quoteOptionsOf } from '../quote-options.js';
import { builder } from './builder.js';
import { LIST_ESTIMATES, listCost, STORAGE_READ_COST } from './cost.js';
import { MessagePriority, QueueStatus } from './enums.js';
import { asQuoteResult, QuoteResultRef, stepsOf, WorkflowStepRef } from './quote.js';
import { ReviewRef } from './review.js';

export const MessageChangeRef = builder.objectRef<MessageEvent>('MessageChange').implement({
  description: 'One stored change of a message: how it stood at a version.',
  fields: (t) => ({
    version: t.exposeInt('version', { description: 'The version this change wrote.' }),
    at: t.expose('at', { type: 'DateTime', description: 'When it happened.' }),
    kind: t.exposeString('kind', {
      description:
        'What happened: enqueued, claimed, progress, completed, retry-scheduled, dead-lettered, ...',
    }),
    status: t.field({
      type: QueueStatus,
      description: 'The status after it.',
      resolve: (e) => e.message.status,
    }),
    message: t.field({
      type: MessageSnapshotRef,
      description: 'The message as it stood at this version (its state; no history or attempts).',
      resolve: (e) => e.message,
    }),
  }),
});

export const AttemptRef = builder.objectRef<AttemptRecord>('Attempt').implement({
  description: 'One processing attempt that ended.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: "1-based number over the message's whole life." }),
    workerId: t.exposeString('workerId', { nullable: true, description: 'The worker that ran it.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it started.' }),
    endedAt: t.expose('endedAt', { type: 'DateTime', description: 'When it ended.' }),
    outcome: t.exposeString('outcome', {
      description: 'COMPLETED, FAILED, TIMED_OUT, CANCELLED, LOST (its worker died) or RELEASED (shutdown).',
    }),
    error: t.exposeString('error', { nullable: true, description: 'Why it failed.' }),
  }),
});

/** A message's state at one version: what QueueMessage and MessageSnapshot share. */
export const MessageStateRef = builder.interfaceRef<Message>('MessageState');
export const QueueMessageRef = builder.objectRef<Message>('QueueMessage');
export const MessageSnapshotRef = builder.objectRef<Message>('MessageSnapshot');

MessageStateRef.implement({
  description:
    'A message as it stands at one version: status, timing, the submission, the quote and its review.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The message id.' }),
    status: t.field({ type: QueueStatus, description: 'Where it is in its life.', resolve: (m) => m.status }),
    priority: t.field({
      type: MessagePriority,
      description: 'The priority it was submitted with.',
      resolve: (m) => m.priority,
    }),
    effectivePriority: t.field({
      type: MessagePriority,
      description: 'The priority it is taken by now: its priority, raised by aging when that is on.',
      resolve: (m) => m.effectivePriority,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was accepted.' }),
    startedAt: t.expose('startedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the current or last attempt started.',
    }),
    completedAt: t.expose('completedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it ended: COMPLETED, FAILED or CANCELLED.',
    }),
    errorMessage: t.exposeString('errorMessage', { nullable: true, description: 'The last error.' }),
    retryCount: t.exposeInt('retryCount', { description: 'Retries spent so far.' }),
    maxRetries: t.exposeInt('maxRetries', { description: 'Retries allowed after failed attempts.' }),
    timeoutSeconds: t.exposeInt('timeoutSeconds', { description: 'How long an attempt may run.' }),
    nextAttemptAt: t.expose('nextAttemptAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When a retry is due.',
    }),
    runAt: t.expose('runAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When a scheduled submission becomes due (null when submitted for now).',
    }),
    deadLettered: t.exposeBoolean('deadLettered', { description: 'FAILED with no attempts left.' }),
    version: t.exposeInt('version', {
      description: '1 when created; grows by one with every change of the message.',
    }),
    payload: t.expose('payload', { type: 'JSON', description: 'The submission as accepted (trimmed).' }),
    useAgentic: t.boolean({
      description: 'Whether it runs the agentic workflow.',
      resolve: (m) => quoteOptionsOf(m.options).useAgentic,
    }),
    result: t.field({
      type: QuoteResultRef,
      nullable: true,
      description: 'The quote, set once COMPLETED.',
      resolve: (m) => (m.status === 'COMPLETED' ? asQuoteResult(m.result) : null),
    }),
    review: t.field({ type: ReviewRef, description: 'Human review of the quote.', resolve: (m) => m.review }),
    steps: t.field({
      type: [WorkflowStepRef],
      nullable: true,
      complexity: listCost(LIST_ESTIMATES.steps),
      description: 'Agentic runs: the workflow steps so far (live while PROCESSING); null otherwise.',
      resolve: (m) => (quoteOptionsOf(m.options).useAgentic ? stepsOf(m.result, m.progress) : null),
    }),
    attemptCount: t.exposeInt('attempts', {
      description: "Attempts started over the message's whole life (never reset).",
    }),
    queuePosition: t.int({
      nullable: true,
      complexity: STORAGE_READ_COST,
      description: 'Place in line now (1 = next to be taken); null unless PENDING and due.',
      resolve: (m, _args, ctx) => (m.status === 'PENDING' ? ctx.service.queuePosition(m.id) : null),
    }),
  }),
});

QueueMessageRef.implement({
  description: 'A queued quote and everything that happened to it.',
  interfaces: [MessageStateRef],
  fields: (t) => ({
    attempts: t.field({
      type: [AttemptRef],
      complexity: listCost(LIST_ESTIMATES.attempts, STORAGE_READ_COST),
      description: 'Every attempt that ended, oldest first.',
      resolve: (m, _args, ctx) => ctx.service.attempts(ctx.actor, m.id),
    }),
    history: t.field({
      type: [MessageChangeRef],
      complexity: listCost(LIST_ESTIMATES.history, STORAGE_READ_COST),
      description: 'Every stored change after `afterVersion`, oldest first.',
      args: { afterVersion: t.arg.int({ defaultValue: 0, description: 'Only changes after this version.' }) },
      resolve: (m, args, ctx) => ctx.service.history(ctx.actor, m.id, args.afterVersion ?? 0),
    }),
  }),
});

MessageSnapshotRef.implement({
  description: 'A message as it stood at one version of its history: its state, without history or attempts.',
  interfaces: [MessageStateRef],
  fields: () => ({}),
});
