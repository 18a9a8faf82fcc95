// The glue's half of a quote message: how its processing is to go (the agentic workflow, fault injection), kept in
// the message's `options`, which the queue stores and hands to the processor without reading it.
import { BadInputError, ForbiddenError } from './queue/errors.js';
import type { Json } from './queue/types.js';

/** Fault injection carried by a message (only accepted with ALLOW_FAULT_INJECTION=true). */
export interface Simulation {
  /** The first N processing attempts of the message's life throw. */
  failAttempts?: number;
  /** Each attempt takes this long, honouring timeouts and cancellation. */
  processingMs?: number;
  /** The first attempt fails permanently (as on bad data): dead-lettered at once, no retry spent. */
  failPermanently?: boolean;
}

/** How a quote is to be processed, as the processor and the API read it from a message's options. */
export interface QuoteOptions {
  useAgentic: boolean;
  simulate: Simulation | null;
}

/** What a submission asks for, as the schema layer passes it (GraphQL nulls included). */
export interface QuoteOptionsInput {
  useAgentic?: boolean | null;
  simulate?: {
    failAttempts?: number | null;
    processingMs?: number | null;
    failPermanently?: boolean | null;
  } | null;
}

export const SIMULATION_LIMITS = {
  failAttempts: [0, 100],
  processingMs: [0, 3_600_000],
} as const;

/**
 * The service's `parseOptions` for quotes: validates what a submission asks for and returns the options to store,
 * null when all are at their defaults (most messages), else only the keys set. Fault injection is FORBIDDEN unless
 * `allowFaultInjection`; a bad bound is BadInputError naming the field (the service prefixes `input.`).
 */
export function quoteOptionsParser(allowFaultInjection: boolean): (input: unknown) => Json {
  return (input) => {
    const given = (input ?? {}) as QuoteOptionsInput;
    const out: { useAgentic?: true; simulate?: { [key: string]: Json } } = {};
    if (given.useAgentic) out.useAgentic = true;
    if (given.simulate) {
      if (!allowFaultInjection) {
        throw new ForbiddenError(
          'input.simulate is refused: this service runs without ALLOW_FAULT_INJECTION=true',
        );
      }
      const simulate: { [key: string]: Json } = {};
      const { failAttempts, failPermanently, processingMs } = given.simulate;
      if (failAttempts != null) {
        simulate.failAttempts = intIn('simulate.failAttempts', failAttempts, SIMULATION_LIMITS.failAttempts);
      }
      if (failPermanently) simulate.failPermanently = true;
      if (processingMs != null) {
        simulate.processingMs = intIn('simulate.processingMs', processingMs, SIMULATION_LIMITS.processingMs);
      }
      out.simulate = simulate;
    }
    return Object.keys(out).length > 0 ? out : null;
  };
}

/** A message's stored options as the quote's; null or keys left out read as their defaults. */
export function quoteOptionsOf(options: Json | null): QuoteOptions {
  const o = options !== null && typeof options === 'object' && !Array.isArray(options) ? options : {};
  return {
    useAgentic: o.useAgentic === true,
    simulate: o.simulate && typeof o.simulate === 'object' ? (o.simulate as Simulation) : null,
  };
}

function intIn(field: string, value: number, [min, max]: readonly [number, number]): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadInputError(field, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}
