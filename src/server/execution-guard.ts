// The execution guard, the second line behind the cost limit: an operation whose execution makes more resolver
// calls than its budget, or keeps resolving past a deadline, is cut short with BAD_USER_INPUT (reason
// MAX_RESOLVER_CALLS or MAX_EXECUTION_TIME), so a document the cost estimate misjudged cannot hold the event
// loop. Every field's resolver is wrapped once (`guardSchema`); the guard itself travels on the operation's
// context (`guardContext`), so every path that executes with that context (yoga's HTTP and SSE, the WebSocket
// path) is guarded. Each subscription event is a new execution with a fresh budget.
import {
  defaultFieldResolver,
  type ExecutionResult,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  isObjectType,
  responsePathAsArray,
} from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';

export interface ExecutionGuardLimits {
  /** Most resolver calls in one execution (one operation, or one event of a subscription). Default 50,000. */
  maxResolverCalls: number;
  /**
   * Most milliseconds of resolving since the operation's last root field had its value (a root field may
   * wait for storage or processing: that time is not counted; what hangs below it is). Default 250: a page
   * of 50 messages with a storage read each resolves well within it even on a loaded machine.
   */
  maxMs: number;
}

export const DEFAULT_GUARD_LIMITS: ExecutionGuardLimits = { maxResolverCalls: 50_000, maxMs: 250 };

/** The clock is read once per this many calls: cheap, and still within a fraction of a millisecond. */
const CLOCK_EVERY = 32;
const GUARD = Symbol('executionGuard');
const guarded = new WeakSet<GraphQLSchema>();

interface Guarded {
  [GUARD]?: ExecutionGuard;
}

/** Puts a fresh guard on an operation's context (yoga's context factory calls this for every operation). */
export function guardContext<T extends object>(context: T, limits: ExecutionGuardLimits): T {
  (context as Guarded)[GUARD] = new ExecutionGuard(limits);
  return context;
}

/**
 * Wraps every field resolver of the schema's own types (not graphql's introspection types, which are shared
 * and bounded by the schema) with the guard's step; idempotent. Without a guard on the context the wrapper
 * only calls through.
 */
export function guardSchema(schema: GraphQLSchema): GraphQLSchema {
  if (guarded.has(schema)) return schema;
  guarded.add(schema);
  const roots = new Map([
    [schema.getQueryType(), 'query'],
    [schema.getMutationType(), 'mutation'],
    [schema.getSubscriptionType(), 'subscription'],
  ] as const);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const root = roots.get(type);
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve =
        root === 'subscription'
          ? eventRoot(resolve)
          : root === 'query' || root === 'mutation'
            ? operationRoot(resolve)
            : nested(resolve);
    }
  }
  return schema;
}

/** Envelop plugin: a guard's error appears once in a result, however many fields it cut short. */
export function executionGuardPlugin(): Plugin {
  const dedupe = ({
    result,
    setResult,
  }: {
    result: ExecutionResult;
    setResult: (result: ExecutionResult) => void;
  }) => {
    if (result.errors && result.errors.length > 1)
      setResult({ ...result, errors: uniqueErrors(result.errors) });
  };
  return {
    onExecute: () => ({ onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, dedupe) }),
    onSubscribe: () => ({
      onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, dedupe),
    }),
  };
}

/** The errors with repeats of one instance removed (a guard throws the same error for every field it stops). */
export function uniqueErrors<E>(errors: readonly E[]): E[] {
  return [...new Set(errors)];
}

class ExecutionGuard {
  private calls = 0;
  private mark = performance.now();
  private tripped: GraphQLError | null = null;

  constructor(private readonly limits: ExecutionGuardLimits) {}

  /** A new execution on the same context (a subscription's next event): a fresh budget. */
  restart(): void {
    this.calls = 0;
    this.tripped = null;
    this.mark = performance.now();
  }

  /** A root field has its value: the time until the next one is what the deadline counts. */
  restartClock(): void {
    this.mark = performance.now();
  }

  /** Counts one resolver call; throws once the budget or the deadline is passed (and for every call after). */
  step(info: GraphQLResolveInfo): void {
    if (this.tripped) throw this.tripped;
    this.calls++;
    if (this.calls > this.limits.maxResolverCalls) {
      this.trip(info, 'MAX_RESOLVER_CALLS', `made more than ${this.limits.maxResolverCalls} resolver calls`);
    }
    if (this.calls % CLOCK_EVERY === 0 && performance.now() - this.mark > this.limits.maxMs) {
      this.trip(info, 'MAX_EXECUTION_TIME', `resolved for more than ${this.limits.maxMs} ms`);
    }
  }

  private trip(info: GraphQLResolveInfo, reason: string, what: string): never {
    // Located (it has a path), so graphql passes this very instance on rather than wrapping it per field.
    this.tripped = new GraphQLError(
      `The operation was cut short: it ${what}. Ask for smaller pages (first) or fewer nested lists`,
      {
        nodes: info.fieldNodes,
        path: responsePathAsArray(info.path),
        extensions: { code: 'BAD_USER_INPUT', reason },
      },
    );
    throw this.tripped;
  }
}

type Resolver = GraphQLFieldResolver<unknown, unknown>;

function guardOf(context: unknown): ExecutionGuard | undefined {
  return typeof context === 'object' && context !== null ? (context as Guarded)[GUARD] : undefined;
}

/** A subscription's root field resolves once per event: each event starts a fresh budget. */
function eventRoot(resolve: Resolver): Resolver {
  return (source, args, context, info) => {
    guardOf(context)?.restart();
    return resolve(source, args, context, info);
  };
}

/** A query's or mutation's root field counts as a call; the deadline runs from when its value is ready. */
function operationRoot(resolve: Resolver): Resolver {
  return (source, args, context, info) => {
    const guard = guardOf(context);
    if (!guard) return resolve(source, args, context, info);
    guard.step(info);
    const value = resolve(source, args, context, info);
    if (isPromiseLike(value)) {
      return Promise.resolve(value).then((settled) => {
        guard.restartClock();
        return settled;
      });
    }
    guard.restartClock();
    return value;
  };
}

function nested(resolve: Resolver): Resolver {
  return (source, args, context, info) => {
    guardOf(context)?.step(info);
    return resolve(source, args, context, info);
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
