// Failed keys are throttled per client address, so no one address can guess keys at the speed of the server:
// a few wrong keys pass as UNAUTHENTICATED, then that address gets RATE_LIMITED (its keys not even checked, so
// a throttled guess learns nothing) until its budget refills. Other addresses are unaffected.
import type { Actor } from '../queue/access.js';
import { RateLimitedError, UnauthenticatedError } from '../queue/errors.js';
import type { Authenticator } from './auth.js';

export interface KeyThrottleOptions {
  /** Wrong keys an address may present in a burst. Default 10. */
  burst?: number;
  /** Wrong keys an address may present per minute once the burst is spent. Default 10. */
  perMinute?: number;
  /** Addresses remembered at once; the longest untouched are forgotten first. Default 10,000. */
  maxAddresses?: number;
  clock?: () => number;
}

export interface KeyThrottle {
  /** `auth.authenticate`, refused with RateLimitedError while `address` has spent its budget of wrong keys. */
  authenticate(address: string | undefined, authorization: string | null | undefined): Actor;
}

export function createKeyThrottle(auth: Authenticator, options: KeyThrottleOptions = {}): KeyThrottle {
  const burst = options.burst ?? 10;
  const perMs = (options.perMinute ?? 10) / 60_000;
  const maxAddresses = options.maxAddresses ?? 10_000;
  const clock = options.clock ?? Date.now;
  /** Wrong keys each address may still present, as of `at`; insertion order is last-touched order. */
  const budgets = new Map<string, { left: number; at: number }>();

  const budgetOf = (address: string, now: number) => {
    const b = budgets.get(address);
    if (!b) return { left: burst, at: now };
    budgets.delete(address);
    return { left: Math.min(burst, b.left + (now - b.at) * perMs), at: now };
  };

  return {
    authenticate(address, authorization) {
      // Open mode has no wrong keys; a missing header is no guess, only a missing key.
      if (auth.open || !authorization) return auth.authenticate(authorization);
      const where = address ?? 'unknown';
      const now = clock();
      const budget = budgetOf(where, now);
      if (budget.left < 1) {
        budgets.set(where, budget);
        throw new RateLimitedError(
          'Too many wrong API keys from this address: wait before trying again',
          Math.ceil((1 - budget.left) / perMs / 1000),
        );
      }
      try {
        const actor = auth.authenticate(authorization);
        if (budget.left < burst) budgets.set(where, budget);
        return actor;
      } catch (error) {
        if (error instanceof UnauthenticatedError) {
          budget.left -= 1;
          budgets.set(where, budget);
          if (budgets.size > maxAddresses) budgets.delete(budgets.keys().next().value as string);
        }
        throw error;
      }
    },
  };
}
