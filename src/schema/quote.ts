// QuoteResult and its parts: the processor's stored result JSON, read back as typed GraphQL objects.
import type { Json } from '../queue/types.js';
import type { RatingFactor as Factor } from '../quotes/rating.js';
import type { StepRecord } from '../quotes/workflow.js';
import { builder } from './builder.js';
import { LIST_ESTIMATES, listCost } from './cost.js';
import { UnderwritingDecision } from './enums.js';

export interface QuoteResultShape {
  decision: 'APPROVED' | 'REFERRED' | 'DECLINED';
  annualPremium: number | null;
  reasons: string[];
  basePremium?: number;
  factors?: Factor[];
  steps?: StepRecord[];
}

const DECISIONS = new Set(['APPROVED', 'REFERRED', 'DECLINED']);

/** The stored result as a quote, or null when the message holds something else (or nothing yet). */
export function asQuoteResult(result: Json | null): QuoteResultShape | null {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return null;
  if (typeof result.decision !== 'string' || !DECISIONS.has(result.decision)) return null;
  return result as unknown as QuoteResultShape;
}

/** Workflow steps of an agentic run: the final ones once done, else the progress reported so far. */
export function stepsOf(result: Json | null, progress: Json | null): StepRecord[] | null {
  const done = asQuoteResult(result)?.steps;
  if (done) return done;
  return Array.isArray(progress) ? (progress as unknown as StepRecord[]) : null;
}

export const RatingFactorRef = builder.objectRef<Factor>('RatingFactor').implement({
  description: 'One multiplier of the premium and why it applies.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Which factor, e.g. `region` or `deductible`.' }),
    value: t.exposeFloat('value', { description: 'The multiplier (1 is neutral).' }),
    reason: t.exposeString('reason', { description: 'Why this value applies, in words.' }),
  }),
});

export const WorkflowStepRef = builder.objectRef<StepRecord>('WorkflowStep').implement({
  description: 'One step of the agentic underwriting workflow.',
  fields: (t) => ({
    name: t.exposeString('name', {
      description: 'intake, risk-assessment, pricing, compliance or decision.',
    }),
    status: t.exposeString('status', { description: 'RUNNING, DONE or FAILED.' }),
    startedAt: t.field({
      type: 'DateTime',
      description: 'When the step started.',
      resolve: (s) => new Date(s.startedAt),
    }),
    finishedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the step ended; null while it runs.',
      resolve: (s) => (s.finishedAt ? new Date(s.finishedAt) : null),
    }),
    durationMs: t.exposeInt('durationMs', {
      nullable: true,
      description: 'How long it took; null while it runs.',
    }),
    findings: t.exposeStringList('findings', { description: 'What the step found.' }),
  }),
});

export const QuoteResultRef = builder.objectRef<QuoteResultShape>('QuoteResult').implement({
  description: 'The underwriting outcome of a COMPLETED quote.',
  fields: (t) => ({
    decision: t.field({
      type: UnderwritingDecision,
      description: 'The decision.',
      resolve: (r) => r.decision,
    }),
    annualPremium: t.float({
      nullable: true,
      description: 'What the policy costs a year, in US dollars; null when DECLINED.',
      resolve: (r) => (r.decision === 'DECLINED' ? null : r.annualPremium),
    }),
    reasons: t.exposeStringList('reasons', { description: 'Why the decision was made.' }),
    basePremium: t.float({
      nullable: true,
      description: 'Coverage times the base rate, before factors.',
      resolve: (r) => r.basePremium ?? null,
    }),
    factors: t.field({
      type: [RatingFactorRef],
      complexity: listCost(LIST_ESTIMATES.factors),
      description: 'Every rating factor applied, in order.',
      resolve: (r) => r.factors ?? [],
    }),
    steps: t.field({
      type: [WorkflowStepRef],
      nullable: true,
      complexity: listCost(LIST_ESTIMATES.steps),
      description: 'The workflow steps of an agentic run; null for the plain path.',
      resolve: (r) => r.steps ?? null,
    }),
  }),
});
