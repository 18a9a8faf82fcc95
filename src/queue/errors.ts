// The closed set of domain errors. Each carries a code the API layer maps to `extensions.code`.

/** The contract's closed set of codes: the one list the schema, the tests and the docs check against. */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'QUEUE_FULL',
  'NOT_FOUND',
  'INVALID_STATE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'STORAGE_UNAVAILABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  override name = this.constructor.name;
}

export class BadInputError extends DomainError {
  readonly code = 'BAD_USER_INPUT';
  /** The input path at fault, e.g. `input.submission.applicantName`. */
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
  }
}

export class QueueFullError extends DomainError {
  readonly code = 'QUEUE_FULL';
  /** `queue`: the global limit (MAX_QUEUE_SIZE); `owner`: the caller's own (MAX_ACTIVE_PER_OWNER). */
  constructor(
    readonly maxSize: number,
    readonly scope: 'queue' | 'owner' = 'queue',
  ) {
    super(
      scope === 'queue'
        ? `The queue is full: ${maxSize} messages are already PENDING or PROCESSING; try again later`
        : `This caller already has ${maxSize} messages PENDING or PROCESSING, the most one caller may hold; try again when some have finished`,
    );
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(id: string) {
    super(`No message with id ${JSON.stringify(id)}`);
  }
}

export class InvalidStateError extends DomainError {
  readonly code = 'INVALID_STATE';
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
}

export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  /** Whole seconds after which the same request may pass (HTTP answers it as `Retry-After`). */
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}

/** The database cannot take writes: full, read-only, locked too long or unreachable. */
export class StorageUnavailableError extends DomainError {
  readonly code = 'STORAGE_UNAVAILABLE';
  constructor(readonly reason: string) {
    super(`Storage is unavailable (${reason}); nothing was changed, try again shortly`);
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
