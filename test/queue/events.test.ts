// The event feed on each engine: this process's own changes are published within the turn that wrote them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageEvent } from '../../src/queue/types.js';
import { ENGINES } from '../helpers/postgres.js';
import { startTestQueue, type TestQueue } from '../helpers/queue.js';

describe.each(ENGINES)('event feed on %s', (engine) => {
  let q: TestQueue;
  beforeEach(async () => {
    q = await startTestQueue(engine);
  });
  afterEach(async () => q.close());

  it("publishes a write's own events a tick after it, not at the end of the turn", async () => {
    // A busy worker writes batch after batch in one turn: subscribers must not wait for that turn to end.
    const seen: MessageEvent[] = [];
    const off = q.events.onChange((e) => seen.push(e));
    const message = await q.enqueue();
    // Still the turn that saw the write resolve: the old feed published on the next turn (setImmediate).
    await new Promise<void>((resolve) => process.nextTick(resolve));
    off();
    expect(seen.map((e) => [e.messageId, e.version])).toEqual([[message.id, message.version]]);
  });
});
