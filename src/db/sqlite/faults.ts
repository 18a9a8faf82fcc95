// SQLite's "cannot write now" failures as STORAGE_UNAVAILABLE; every other error passes through unchanged.
import { StorageUnavailableError } from '../../queue/errors.js';

const FAULTS: [RegExp, string][] = [
  [/^SQLITE_FULL/, 'the database is full'],
  [/^SQLITE_READONLY/, 'the database is read-only'],
  [/^SQLITE_(BUSY|LOCKED)/, 'the database is locked by another writer'],
  [/^SQLITE_(IOERR|CANTOPEN|NOTADB|CORRUPT|PERM)/, 'the database file cannot be used'],
];

/** Runs `work`, turning a storage fault it throws into StorageUnavailableError. */
export function guard<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw asStorageFault(error);
  }
}

/** A storage fault as StorageUnavailableError; any other error as it is. */
export function asStorageFault(error: unknown): unknown {
  const reason = storageFault(error);
  return reason ? new StorageUnavailableError(reason) : error;
}

function storageFault(error: unknown): string | null {
  if (error instanceof TypeError && /database connection is not open/.test(error.message))
    return 'the database is closed';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  return FAULTS.find(([pattern]) => pattern.test(code))?.[1] ?? null;
}
