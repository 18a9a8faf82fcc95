// What the worker runs for each message: the contract between the queue and whatever does the work.
import type { Context } from '@opentelemetry/api';
import type { Json } from './types.js';

/** A message as its processor gets it for one attempt. */
export interface ClaimedMessage {
  id: string;
  /** 1-based count of attempts over the message's whole life (never reset by a manual retry). */
  attempt: number;
  payload: Json;
  /** How the message is to be handled, as its submitter set it (Message.options). */
  options: Json | null;
  /** The checkpoint an earlier attempt of this message saved with its progress (reportProgress), else null. */
  checkpoint: Json | null;
}

export interface ProcessContext {
  /** Aborted on timeout, cancellation, lost lease or shutdown; the processor must stop promptly. */
  signal: AbortSignal;
  /**
   * Records progress (e.g. workflow steps) on the message while the attempt runs; fire and forget. With
   * `checkpoint`, also saves it in the same write, for the next attempt to get as `checkpoint` if this one fails
   * (e.g. the outputs of the steps finished so far, so they are not run, or paid for, again).
   */
  reportProgress(progress: Json, checkpoint?: Json): void;
  /** The attempt's trace context (OpenTelemetry), parent of the spans the processor starts; absent untraced. */
  readonly trace?: Context;
}

export interface ProcessOutcome {
  result: Json;
  /** Whether a human must review the result before the message is final, and why. */
  review: { required: boolean; reasons: string[] };
}

/**
 * Thrown by a processor when another attempt cannot help (the message itself is wrong, e.g. bad data found while
 * working on it): the message is dead-lettered at once with this reason, and no retry is spent.
 */
export class PermanentFailure extends Error {
  override readonly name = 'PermanentFailure';
  constructor(
    message: string,
    /** The code of the domain error behind it, if any (e.g. BAD_USER_INPUT for bad data). */
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export interface Processor {
  process(message: ClaimedMessage, ctx: ProcessContext): Promise<ProcessOutcome>;
}
