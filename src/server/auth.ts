// Who is calling: API keys (API_KEYS) become Actors; open mode (no keys) makes every caller an admin.
// Keys are compared as SHA-256 digests in constant time, and an Actor never carries the key itself.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../config.js';
import type { Actor } from '../queue/access.js';
import { UnauthenticatedError } from '../queue/errors.js';

export const OPEN_ACTOR: Actor = { id: 'open', name: 'open', role: 'admin' };

export interface Authenticator {
  /** True when no keys are configured (open mode). */
  readonly open: boolean;
  /** The caller of an `Authorization` value ("Bearer KEY"); throws UnauthenticatedError. */
  authenticate(authorization: string | null | undefined): Actor;
}

/** A short, stable identity of a key that does not reveal it. */
export function fingerprint(key: string): string {
  return `key-${createHash('sha256').update(`quote-queue:${key}`).digest('hex').slice(0, 12)}`;
}

export function createAuthenticator(keys: ApiKey[] | undefined): Authenticator {
  if (!keys || keys.length === 0) return { open: true, authenticate: () => OPEN_ACTOR };
  const known = keys.map((k) => {
    const id = fingerprint(k.key);
    return { digest: digest(k.key), actor: { id, name: k.name ?? id, role: k.role } satisfies Actor };
  });
  return {
    open: false,
    authenticate(authorization) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!match?.[1]) {
        throw new UnauthenticatedError(
          'An API key is required: send it as "Authorization: Bearer KEY" (WebSocket: connectionParams.authorization)',
        );
      }
      const presented = digest(match[1]);
      let found: Actor | null = null;
      // Every key is compared, so the time taken does not tell which one (or whether any) nearly matched.
      for (const k of known) {
        if (timingSafeEqual(presented, k.digest) && !found) found = k.actor;
      }
      if (!found) throw new UnauthenticatedError('The API key is not valid');
      return found;
    },
  };
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
