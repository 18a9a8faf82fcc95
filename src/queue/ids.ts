// Message ids: UUIDv7 (RFC 9562), time-ordered, so that the indexes keyed by message id grow at their end.
import { randomFillSync } from 'node:crypto';

let lastMs = -1;
let counter = 0;

// Random bits come from a pool refilled 4 KB at a time (as node's randomUUID caches its entropy): a randomBytes
// call per id was the largest cost of a submission outside the store (bench/ROUNDS.md).
const pool = Buffer.alloc(4096);
let used = pool.length;

function random(n: number): Buffer {
  if (used + n > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const out = pool.subarray(used, used + n);
  used += n;
  return out;
}

/**
 * A UUIDv7: 48 bits of Unix milliseconds, then a 12-bit counter that orders ids of the same millisecond, then
 * 62 random bits. Random (v4) ids put every index entry keyed by message id (events, attempts) on a random
 * page, so each commit wrote a page per message touched; ids in creation order keep the entries of messages
 * taken together (FIFO) on the same few pages. Still unguessable: 62 random bits per id.
 */
export function newMessageId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = random(2).readUInt16BE(0) & 0x3ff; // start low in the 12 bits, leaving room to count up
  } else if (++counter > 0xfff) {
    // More than the counter holds in one millisecond (or the clock stepped back): borrow the next millisecond.
    lastMs++;
    counter = 0;
  }
  const rand = random(8);
  const ms = lastMs.toString(16).padStart(12, '0');
  const a = (0x7000 | counter).toString(16);
  const b = ((rand[0]! & 0x3f) | 0x80).toString(16) + rand[1]!.toString(16).padStart(2, '0');
  const c = rand.subarray(2).toString('hex');
  return `${ms.slice(0, 8)}-${ms.slice(8)}-${a}-${b}-${c}`;
}
