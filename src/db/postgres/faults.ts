// Which PostgreSQL failures mean "storage cannot take writes now" (STORAGE_UNAVAILABLE), and which a transaction
// may simply run again.

/** SQLSTATEs after which the same transaction, run again, may well succeed: nothing of it was kept. */
const RETRYABLE = new Set(['40001', '40P01']);

export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has(codeOf(error) ?? '');
}

const NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  // postgres.js' own connection errors.
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/** The reason to report for a failure that means the database cannot take writes now, else null. */
export function storageFault(error: unknown): string | null {
  const code = codeOf(error);
  if (code === undefined) return null;
  if (NODE_CODES.has(code)) return 'the database cannot be reached';
  // Class 08: connection exceptions; 57P01-57P03: the server is shutting down or starting.
  if (code.startsWith('08') || /^57P0[1-3]$/.test(code)) return 'the database cannot be reached';
  if (code === '53100') return 'the database is full';
  if (code === '53300') return 'the database has no connection to spare';
  if (code === '25006') return 'the database is read-only';
  return null;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
