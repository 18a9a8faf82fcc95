import { describe, expect, it } from 'vitest';
import { newMessageId } from '../../src/queue/ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newMessageId', () => {
  it('gives distinct UUIDv7s in creation order, across many refills of the random pool', () => {
    // 10,000 ids draw 100 KB of random bits: the 4 KB pool is refilled ~25 times.
    const ids = Array.from({ length: 10_000 }, () => newMessageId());
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('keeps the random part random: no two ids of one millisecond share their last 62 bits', () => {
    const now = Date.now() + 60_000;
    const tails = Array.from({ length: 1000 }, () => newMessageId(now).slice(19));
    expect(new Set(tails).size).toBe(tails.length);
  });
});
