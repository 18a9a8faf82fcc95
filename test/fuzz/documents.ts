// Schema-aware random GraphQL requests for fuzzing (fast-check): documents walked from the real schema with
// variables of the right, nearly right and wrong types, and hostile ones (deep, wide, huge, broken).
import fc from 'fast-check';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { schema } from '../../src/schema/index.js';

export interface FuzzRequest {
  /** A string, except in the hostile requests whose body has the wrong shape. */
  query: unknown;
  variables?: unknown;
  operationName?: unknown;
}

type Root = 'query' | 'mutation' | 'subscription';

/** Strings a client might send: short, unicode, control characters, empty, whitespace, very long. */
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '   ', '\u0000', '\u202e', '🏠'.repeat(100), 'é'.normalize('NFD')),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 60_000 }).map((n) => 'x'.repeat(n)) },
);
const int = fc.oneof(
  fc.integer({ min: -5, max: 20 }),
  fc.constantFrom(0, 1, 50_000_000, 50_000_001, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 53, 1e308, 0.5, -0),
);
const anyJson = fc.jsonValue({ maxDepth: 3 });

/** A value for an input type: mostly of that type, sometimes null, missing fields or anything at all. */
function inputValue(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  const wrong = anyJson;
  const inner = getNullableType(type);
  let right: fc.Arbitrary<unknown>;
  if (isListType(inner)) {
    right = fc.array(inputValue(inner.ofType, depth + 1), { maxLength: 4 });
  } else if (isEnumType(inner)) {
    right = fc.oneof(fc.constantFrom(...inner.getValues().map((v) => v.name)), fc.constant('NOT_A_VALUE'));
  } else if (isInputObjectType(inner)) {
    const fields = Object.values(inner.getFields());
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of fields) record[f.name] = depth > 3 ? fc.constant(null) : inputValue(f.type, depth + 1);
    right = fc
      .record(record, { requiredKeys: fields.filter((f) => isNonNullType(f.type)).map((f) => f.name) })
      .chain((obj) => fc.oneof(fc.constant(obj), fc.constant({ ...obj, unknownField: 1 }), fc.constant({})));
  } else if (isScalarType(inner)) {
    right = scalarOf(inner.name);
  } else {
    right = wrong;
  }
  return fc.oneof(
    { weight: 8, arbitrary: right },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: wrong },
  );
}

function scalarOf(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'Int':
      return int;
    case 'Float':
      return fc.oneof(int, fc.double({ noNaN: true }));
    case 'Boolean':
      return fc.boolean();
    case 'ID':
      return fc.oneof(fc.uuid(), text);
    case 'DateTime':
      return fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        text,
      );
    default:
      return fc.oneof(text, anyJson);
  }
}

interface Built {
  text: string;
  variables: Record<string, unknown>;
  declarations: string[];
}

/** A selection set for a field's type, `budget` levels deep at most. */
function selectionOf(
  field: GraphQLField<unknown, unknown>,
  budget: number,
  ctx: Built,
): fc.Arbitrary<string> {
  const named = getNamedType(field.type);
  if (!isObjectType(named) || budget <= 0) return fc.constant('');
  const fields = Object.values(named.getFields());
  return fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...fields) },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
      { minLength: 1, maxLength: 4 },
    )
    .chain((picked) =>
      fc.tuple(
        ...picked.map((f) =>
          f === null
            ? fc.constantFrom('__typename', 'zzUnknownField', 'zzUnknown { id }')
            : fieldText(f, budget - 1, ctx),
        ),
      ),
    )
    .map((parts) => `{ ${parts.join(' ')} }`);
}

/** One field with an optional alias, its arguments (as variables or inline) and its selection. */
function fieldText(field: GraphQLField<unknown, unknown>, budget: number, ctx: Built): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.option(fc.constantFrom('a', 'b', 'alias_1', 'x9'), { freq: 4 }),
      fc.tuple(...field.args.map((arg) => argText(arg, ctx))),
      selectionOf(field, budget, ctx),
    )
    .map(([alias, args, selection]) => {
      const argList = args.filter(Boolean).join(', ');
      const named = getNamedType(field.type);
      // A leaf given a selection, or an object given none, is near-valid: the server must say so clearly.
      const body = isObjectType(named) && !selection ? '{ __typename }' : selection;
      return `${alias ? `${alias}: ` : ''}${field.name}${argList ? `(${argList})` : ''} ${body}`;
    });
}

function argText(arg: GraphQLArgument, ctx: Built): fc.Arbitrary<string> {
  return fc.tuple(inputValue(arg.type), fc.nat({ max: 9 }), fc.boolean()).map(([value, how, omit]) => {
    if (omit && !isNonNullType(arg.type)) return '';
    if (how < 7) {
      const name = `v${ctx.declarations.length}`;
      ctx.declarations.push(`$${name}: ${how === 0 ? 'String' : String(arg.type)}`);
      ctx.variables[name] = value;
      return `${arg.name}: $${name}`;
    }
    // Inline: JSON is a GraphQL literal for strings and numbers, and near-valid for objects.
    return `${arg.name}: ${JSON.stringify(value) ?? 'null'}`;
  });
}

/** A document built from the schema: one operation of `root`, with 1-3 root fields. */
export function schemaDocument(root: Root): fc.Arbitrary<FuzzRequest> {
  const type =
    root === 'query'
      ? schema.getQueryType()
      : root === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const fields = Object.values(type!.getFields());
  return fc
    .tuple(
      fc.array(fc.constantFrom(...fields), { minLength: 1, maxLength: root === 'subscription' ? 1 : 3 }),
      fc.integer({ min: 1, max: 6 }),
    )
    .chain(([picked, depth]) => {
      const ctx: Built = { text: '', variables: {}, declarations: [] };
      return fc.tuple(...picked.map((f) => fieldText(f, depth, ctx))).map((parts) => {
        const vars = ctx.declarations.length ? `(${ctx.declarations.join(', ')})` : '';
        return { query: `${root} Fuzz${vars} { ${parts.join(' ')} }`, variables: { ...ctx.variables } };
      });
    });
}

/** Documents made to hurt: too deep, too wide, too long, garbage, or a valid one with a few bytes changed. */
export const hostileDocument: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.integer({ min: 15, max: 200 }).map((n) => {
    let inner = 'id';
    for (let i = 0; i < n; i++) inner = `${i % 2 === 0 ? 'history' : 'message'} { ${inner} }`;
    return { query: `{ queueMessage(id: "x") { ${inner} } }` };
  }),
  fc.integer({ min: 90, max: 3000 }).map((n) => ({
    query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: queueStats { maxSize }`).join(' ')} }`,
  })),
  fc.integer({ min: 50, max: 5000 }).map((n) => ({ query: `${'{'.repeat(n)}${'}'.repeat(n)}` })),
  fc.integer({ min: 2, max: 200 }).map((n) => ({
    query: `query Q { ...F } fragment F on Query { queueStats { maxSize } ${Array.from({ length: n }, () => '...F').join(' ')} }`,
  })),
  fc.string({ unit: 'grapheme', maxLength: 200 }).map((query) => ({ query })),
  fc.record({ query: anyJson, variables: anyJson, operationName: anyJson }),
  fc
    .tuple(
      schemaDocument('query'),
      fc.nat(),
      fc.constantFrom('', '{', '}', '(', '$', '"', '#', '\\', '...', '@skip'),
    )
    .map(([doc, at, insert]) => {
      const i = at % (String(doc.query).length + 1);
      const query = String(doc.query);
      return { ...doc, query: query.slice(0, i) + insert + query.slice(i + (at % 3)) };
    }),
);

/** Anything at all: schema documents of every kind, mostly, and hostile ones. */
export const anyRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 3, arbitrary: schemaDocument('query') },
  { weight: 2, arbitrary: schemaDocument('mutation') },
  { weight: 1, arbitrary: schemaDocument('subscription') },
  { weight: 2, arbitrary: hostileDocument },
);
