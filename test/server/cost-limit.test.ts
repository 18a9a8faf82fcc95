// The cost rule run on its operations alone (runOperationRule) gives exactly what graphql's validate gives with it:
// the cost error, variables that cannot be coerced, an unknown operation name, fragments, several operations.
import { createComplexityRule } from '@pothos/plugin-complexity';
import { type GraphQLError, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { costError, runOperationRule } from '../../src/server/cost-limit.js';

const BUDGET = 1000;
const rule = (variables: Record<string, unknown>, operationName?: string) =>
  createComplexityRule({
    context: {},
    variableValues: variables,
    operationName,
    validate: ({ complexity }, report) => {
      if (complexity > BUDGET) report(costError(complexity, BUDGET));
    },
  });
const shape = (errors: readonly GraphQLError[]) =>
  errors.map((e) => ({ message: e.message, ext: e.extensions }));

const PAGE = 'query Page($n: Int) { queueMessages(first: $n) { edges { node { id history { version } } } } }';
/** Name, document, variables, operation name; six of them give an error. */
const CASES: [string, string, Record<string, unknown>, string?][] = [
  ['a cheap page', PAGE, { n: 1 }],
  ['a page over the budget', PAGE, { n: 100 }],
  ['a variable that cannot be coerced', PAGE, { n: 'many' }],
  [
    'a submission',
    'mutation S($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }',
    {
      input: { submission: { applicantName: 'A', address: '1 Main St, Austin, TX', coverageAmount: 100000 } },
    },
  ],
  [
    'a missing required variable',
    'mutation S($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }',
    {},
  ],
  [
    'a fragment',
    `${PAGE.replace('{ id history { version } }', '{ ...F }')} fragment F on QueueMessage { id history { version } }`,
    { n: 100 },
  ],
  [
    'two operations, the costly one named',
    `${PAGE} query Cheap { queueStats { pendingCount } }`,
    { n: 100 },
    'Page',
  ],
  [
    'two operations, the cheap one named',
    `${PAGE} query Cheap { queueStats { pendingCount } }`,
    { n: 100 },
    'Cheap',
  ],
  ['an unknown operation name', PAGE, { n: 1 }, 'Nope'],
];

describe('the cost rule on its operations alone', () => {
  it.each(CASES)('gives what validate gives: %s', (_name, query, variables, operationName) => {
    const document = parse(query);
    const expected = validate(schema, document, [rule(variables, operationName)]);
    const got = runOperationRule(schema, document, rule(variables, operationName));
    expect(shape(got)).toEqual(shape(expected));
  });

  it('the cases give errors where validate gives them', () => {
    const counts = CASES.map(
      ([, query, variables, operationName]) =>
        validate(schema, parse(query), [rule(variables, operationName)]).length,
    );
    expect(counts).toEqual([0, 1, 1, 0, 1, 1, 1, 0, 1]);
  });

  it('finds a page over the budget (the cases above are not all empty)', () => {
    const errors = runOperationRule(schema, parse(PAGE), rule({ n: 100 }));
    expect(errors.map((e) => e.extensions?.reason)).toEqual(['MAX_COST']);
  });
});
