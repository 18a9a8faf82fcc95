// The cost limit: every operation's estimated work, counted from the schema's field costs (src/schema/cost.ts)
// with the request's variables, is checked against a budget once the document is valid and before anything
// runs. It applies wherever yoga's validation runs: HTTP, SSE and WebSocket (whose operations run only
// documents validated this way). The counting is @pothos/plugin-complexity's.
import { createComplexityRule } from '@pothos/plugin-complexity';
import {
  type ASTVisitFn,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  ValidationContext,
  type ValidationRule,
  validate,
} from 'graphql';
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
        const errors = runOperationRule(schema, documentAST, rule);
        if (errors.length > 0) setResult([...result, ...errors]);
      };
    },
  };
}

const typeInfos = new WeakMap<GraphQLSchema, TypeInfo>();

type OperationHandler =
  | ASTVisitFn<OperationDefinitionNode>
  | { enter?: ASTVisitFn<OperationDefinitionNode>; leave?: ASTVisitFn<OperationDefinitionNode> };

/**
 * The errors `validate(schema, document, [rule])` would give, for a rule whose visitor handles only operation
 * definitions (the complexity rule's): its handlers are called for each operation in document order, without
 * `validate`'s walk of every node with type information (two thirds of the rule's cost per request). Any
 * other visitor goes through `validate`.
 */
export function runOperationRule(
  schema: GraphQLSchema,
  document: DocumentNode,
  rule: ValidationRule,
): readonly GraphQLError[] {
  let typeInfo = typeInfos.get(schema);
  if (!typeInfo) {
    // Never walked with: the context asks for one, and the rule reads only the document and schema.
    typeInfo = new TypeInfo(schema);
    typeInfos.set(schema, typeInfo);
  }
  const errors: GraphQLError[] = [];
  const visitor = rule(new ValidationContext(schema, document, typeInfo, (e) => errors.push(e)));
  const keys = Object.keys(visitor);
  const handler = (visitor as { OperationDefinition?: OperationHandler }).OperationDefinition;
  if (keys.length !== 1 || keys[0] !== Kind.OPERATION_DEFINITION || !handler) {
    return validate(schema, document, [rule]);
  }
  const enter = typeof handler === 'function' ? handler : handler.enter;
  const leave = typeof handler === 'function' ? undefined : handler.leave;
  for (const [i, definition] of document.definitions.entries()) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    enter?.call(visitor, definition, i, document.definitions, ['definitions'], [document]);
    leave?.call(visitor, definition, i, document.definitions, ['definitions'], [document]);
  }
  return errors;
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
