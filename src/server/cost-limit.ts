// The cost limit: every operation's estimated work, counted from the schema's field costs (src/schema/cost.ts)
// with the request's variables, is checked against a budget once the document is valid and before anything
// runs. It applies wherever yoga's validation runs: HTTP, SSE and WebSocket (whose operations run only
// documents validated this way). The counting is @pothos/plugin-complexity's.
import { createComplexityRule } from '@pothos/plugin-complexity';
import { GraphQLError, validate } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The request's variables and operation name, as yoga (HTTP, SSE) and our WebSocket path put them. */
interface WithParams {
  params?: { variables?: unknown; operationName?: unknown };
}

/** Envelop plugin refusing, as BAD_USER_INPUT with reason MAX_COST, an operation that costs more than `budget`. */
export function costLimitPlugin(budget: number): Plugin {
  return {
    onValidate({ params: { schema, documentAST }, context }) {
      // After graphql's own rules (or their cached verdict, which knows no variables): only a valid
      // document can be counted, and its cost depends on this request's variables.
      return ({ valid, result, setResult }) => {
        if (!valid) return;
        const { variables, operationName } = (context as WithParams).params ?? {};
        const rule = createComplexityRule({
          context,
          variableValues: isRecord(variables) ? variables : {},
          operationName: typeof operationName === 'string' ? operationName : undefined,
          validate: ({ complexity }, report) => {
            if (complexity > budget) report(costError(complexity, budget));
          },
        });
        const errors = validate(schema, documentAST, [rule]);
        if (errors.length > 0) setResult([...result, ...errors]);
      };
    },
  };
}

export function costError(cost: number, budget: number): GraphQLError {
  return new GraphQLError(
    `The operation would cost ${cost}; at most ${budget} is allowed (MAX_QUERY_COST). Each list counts its ` +
      'selection once per item it is expected to hold: ask for smaller pages (first) or fewer nested lists',
    { extensions: { code: 'BAD_USER_INPUT', reason: 'MAX_COST', cost, budget } },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
