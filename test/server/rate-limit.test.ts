// The token buckets behind RATE_LIMITED and the failed-key throttle, on a fake clock (the only thing faked).
import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../src/queue/errors.js';
import { createAuthenticator } from '../../src/server/auth.js';
import { createKeyThrottle } from '../../src/server/key-throttle.js';
import { createRateLimiter } from '../../src/server/rate-limit.js';

const refused = (f: () => unknown): RateLimitedError | null => {
  try {
    f();
    return null;
  } catch (error) {
    if (error instanceof RateLimitedError) return error;
    throw error;
  }
};

describe('rate limiter', () => {
  it('spends a cost all or nothing, and says when to come back', () => {
    let now = 0;
    const limiter = createRateLimiter(100, () => now);
    limiter.take('k', 60);
    // 40 left: a cost of 50 is refused and spends nothing, so 40 still pass.
    const error = refused(() => limiter.take('k', 50));
    expect(error?.retryAfterSeconds).toBe(1);
    expect(refused(() => limiter.take('k', 40))).toBeNull();
    expect(refused(() => limiter.take('k'))).not.toBeNull();
    now += 500; // half a second refills 50
    expect(refused(() => limiter.take('k', 50))).toBeNull();
  });

  it('never passes a cost above one second of budget, and names what the request counted as', () => {
    const limiter = createRateLimiter(50, () => 0);
    const error = refused(() => limiter.take('k', 99, 100));
    expect(error?.message).toMatch(/counts as 100 requests.*50 per second/);
    // Nothing was spent.
    expect(refused(() => limiter.take('k', 50))).toBeNull();
  });

  it('refuses a request counted above one second of budget even when the rest fits a full bucket', () => {
    // The transport took one token when the request arrived; it may have refilled by the time the rest is charged.
    const limiter = createRateLimiter(50, () => 0);
    expect(refused(() => limiter.take('k', 50, 51))?.message).toMatch(/counts as 51 requests.*split it/);
    expect(refused(() => limiter.take('k', 50))).toBeNull();
  });

  it('keeps each key to its own budget', () => {
    const limiter = createRateLimiter(1, () => 0);
    limiter.take('a');
    expect(refused(() => limiter.take('a'))).not.toBeNull();
    expect(refused(() => limiter.take('b'))).toBeNull();
  });
});

describe('failed-key throttle', () => {
  const auth = createAuthenticator([{ key: 'right', role: 'admin', name: undefined }]);

  it('throttles an address after its burst of wrong keys, refills per minute, and leaves others alone', () => {
    let now = 0;
    const keys = createKeyThrottle(auth, { burst: 3, perMinute: 6, clock: () => now });
    const attempt = (address: string, key: string) => {
      try {
        keys.authenticate(address, `Bearer ${key}`);
        return 'ok';
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    expect([1, 2, 3].map(() => attempt('10.0.0.1', 'wrong'))).toEqual(Array(3).fill('UNAUTHENTICATED'));
    expect(attempt('10.0.0.1', 'wrong')).toBe('RATE_LIMITED');
    expect(attempt('10.0.0.1', 'right')).toBe('RATE_LIMITED');
    expect(attempt('10.0.0.2', 'right')).toBe('ok');
    now += 10_000; // 6 per minute: one more guess after 10 s
    expect(attempt('10.0.0.1', 'right')).toBe('ok');
    expect(attempt('10.0.0.1', 'wrong')).toBe('UNAUTHENTICATED');
    expect(attempt('10.0.0.1', 'wrong')).toBe('RATE_LIMITED');
  });

  it('does not count a missing key as a guess', () => {
    const keys = createKeyThrottle(auth, { burst: 1, clock: () => 0 });
    for (let i = 0; i < 5; i++) {
      expect(() => keys.authenticate('10.0.0.3', undefined)).toThrow(/API key is required/);
    }
    expect(keys.authenticate('10.0.0.3', 'Bearer right').role).toBe('admin');
  });

  it('remembers a bounded number of addresses', () => {
    const keys = createKeyThrottle(auth, { burst: 1, maxAddresses: 2, clock: () => 0 });
    for (const address of ['a', 'b', 'c']) expect(() => keys.authenticate(address, 'Bearer no')).toThrow();
    // `a` was forgotten (the oldest), so it has a fresh budget; `c` has none left.
    expect(() => keys.authenticate('a', 'Bearer no')).toThrow(/not valid/);
    expect(() => keys.authenticate('c', 'Bearer no')).toThrow(/Too many wrong API keys/);
  });
});
