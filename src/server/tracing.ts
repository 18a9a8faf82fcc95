// A span per GraphQL query or mutation, under the caller's W3C `traceparent` header when it sends one: the root
// of the trace that a submission's enqueue and attempts join. Nothing happens unless tracing is on.
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { contextOf, inSpan, tracingEnabled } from '../tracing/trace.js';

export function tracingPlugin(): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (!tracingEnabled()) return;
      const op = getOperationAST(args.document, args.operationName);
      if (!op || op.operation === 'subscription') return;
      const request = (args.contextValue as { request?: Request }).request;
      const parent = contextOf(request?.headers.get('traceparent'));
      const name = op.name?.value;
      setExecuteFn((execution) =>
        inSpan(
          `graphql.${op.operation}${name ? ` ${name}` : ''}`,
          { 'graphql.operation.type': op.operation, ...(name ? { 'graphql.operation.name': name } : {}) },
          async () => executeFn(execution),
          parent,
        ),
      );
    },
  };
}
