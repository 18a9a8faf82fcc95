// Feeds /ready from real traffic: a GraphQL operation that failed with STORAGE_UNAVAILABLE marks storage
// unavailable at once, and a mutation that went through marks it writable again.
import {
  type DefinitionNode,
  type ExecutionResult,
  type GraphQLError,
  Kind,
  OperationTypeNode,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { StorageUnavailableError } from '../queue/errors.js';
import type { Readiness } from './health.js';

export function storageWatchPlugin(readiness: Readiness): Plugin {
  return {
    onExecute({ args }) {
      const isMutation = args.document.definitions.some(
        (d: DefinitionNode) =>
          d.kind === Kind.OPERATION_DEFINITION && d.operation === OperationTypeNode.MUTATION,
      );
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return;
          const reason = storageFailure(result);
          if (reason !== null) readiness.writeFailed(reason);
          else if (isMutation && !result.errors?.length) readiness.writeSucceeded();
        },
      };
    },
  };
}

/** The reason of the first STORAGE_UNAVAILABLE error in a result, or null. */
function storageFailure(result: ExecutionResult): string | null {
  for (const error of result.errors ?? []) {
    const original = (error as GraphQLError).originalError;
    if (original instanceof StorageUnavailableError) return original.reason;
    if (error.extensions?.code === 'STORAGE_UNAVAILABLE') return 'unavailable';
  }
  return null;
}
