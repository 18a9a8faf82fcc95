// The schema is the contract's: its fixed types, fields and defaults, every part described, and
// schema.graphql printed from the code.
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  type GraphQLField,
  type GraphQLInputField,
  isEnumType,
  isInputObjectType,
  isObjectType,
  printSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { ROOT } from '../helpers/child.js';

/** The fixed part of the contract (API.md), verbatim in meaning. */
const CONTRACT = /* GraphQL */ `
  scalar DateTime
  scalar JSON
  enum MessagePriority { URGENT HIGH NORMAL LOW }
  enum QueueStatus { PENDING PROCESSING COMPLETED FAILED CANCELLED }
  enum UnderwritingDecision { APPROVED REFERRED DECLINED }
  enum ReviewState { NOT_REQUIRED PENDING APPROVED REJECTED }
  enum ReviewAction { APPROVE REJECT }
  input QuoteSubmissionInput { applicantName: String! address: String! coverageAmount: Int! }
  input SimulationInput { failAttempts: Int processingMs: Int }
  input SubmitQuoteInput {
    submission: QuoteSubmissionInput! useAgentic: Boolean = false priority: MessagePriority
    idempotencyKey: String maxRetries: Int = 3 timeoutSeconds: Int = 300 simulate: SimulationInput
  }
  input RunQuoteInput { submission: QuoteSubmissionInput! useAgentic: Boolean = false }
  type SubmitQuotePayload {
    messageId: ID! status: QueueStatus! priority: MessagePriority! estimatedProcessingTime: String!
    queuePosition: Int! message: QueueMessage!
  }
  type QueueMessage {
    id: ID! status: QueueStatus! priority: MessagePriority! createdAt: DateTime! startedAt: DateTime
    completedAt: DateTime errorMessage: String retryCount: Int! maxRetries: Int! timeoutSeconds: Int!
    nextAttemptAt: DateTime deadLettered: Boolean! version: Int! payload: JSON! result: QuoteResult review: Review!
  }
  type QuoteResult { decision: UnderwritingDecision! annualPremium: Float reasons: [String!]! }
  type Review { state: ReviewState! reasons: [String!]! reviewer: String notes: String decidedAt: DateTime }
  type QueueStats {
    pendingCount: Int! processingCount: Int! completedCount: Int! failedCount: Int! cancelledCount: Int!
    deadLetterCount: Int! maxSize: Int! oldestPending: DateTime longestProcessing: Float
  }
  type Query { queueMessage(id: ID!): QueueMessage queueStats: QueueStats! }
  type Mutation {
    submitQuote(input: SubmitQuoteInput!): SubmitQuotePayload!
    runQuote(input: RunQuoteInput!): QueueMessage!
    cancelMessage(id: ID!): QueueMessage!
    retryMessage(id: ID!): QueueMessage!
    reviewQuote(id: ID!, action: ReviewAction!, notes: String): QueueMessage!
  }
  type Subscription { messageStatus(id: ID!, afterVersion: Int): QueueMessage! queueStats: QueueStats! }
`;

describe('the contract', () => {
  const contract = buildSchema(CONTRACT);
  for (const expected of Object.values(contract.getTypeMap())) {
    if (expected.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(expected.name))
      continue;
    it(`has ${expected.name} as written`, () => {
      const actual = schema.getType(expected.name);
      expect(actual, expected.name).toBeDefined();
      if (isEnumType(expected) && isEnumType(actual)) {
        expect(actual.getValues().map((v) => v.name)).toEqual(expected.getValues().map((v) => v.name));
      } else if (
        (isObjectType(expected) && isObjectType(actual)) ||
        (isInputObjectType(expected) && isInputObjectType(actual))
      ) {
        const actualFields = actual.getFields() as Record<
          string,
          GraphQLField<unknown, unknown> | GraphQLInputField
        >;
        for (const [name, field] of Object.entries(
          expected.getFields() as Record<string, GraphQLField<unknown, unknown> | GraphQLInputField>,
        )) {
          const got = actualFields[name];
          expect(got, `${expected.name}.${name}`).toBeDefined();
          expect(String(got!.type), `${expected.name}.${name}`).toBe(String(field.type));
          if ('defaultValue' in field)
            expect((got as GraphQLInputField).defaultValue).toEqual(field.defaultValue);
          if ('args' in field) {
            const args = (got as GraphQLField<unknown, unknown>).args;
            expect(args.map((a) => `${a.name}:${a.type}`).sort()).toEqual(
              field.args.map((a) => `${a.name}:${a.type}`).sort(),
            );
          }
        }
      } else {
        expect(actual!.constructor.name).toBe(expected.constructor.name);
      }
    });
  }
});

describe('documentation', () => {
  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name))
        continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(
          type.getFields() as Record<string, GraphQLField<unknown, unknown>>,
        )) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of field.args ?? [])
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type))
        for (const v of type.getValues()) if (!v.description) missing.push(`${type.name}.${v.name}`);
    }
    expect(missing).toEqual([]);
  });

  it('schema.graphql is printed from the code (npm run schema)', () => {
    const file = readFileSync(`${ROOT}schema.graphql`, 'utf8');
    expect(file).toContain(printSchema(schema));
  });
});
