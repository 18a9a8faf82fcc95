// The typed consumer example (examples/consumer.ts) runs against the real server and follows its quote to COMPLETED.
import { afterEach, expect, it } from 'vitest';
import { spawnTs } from '../helpers/child.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => server?.stop());

it('submits a quote with typed documents and follows it to COMPLETED over WebSocket', async () => {
  server = await startTestServer();
  const child = await spawnTs('examples/consumer.ts', {}, /final: /, [server.url]);
  expect(await child.exited).toBe(0);
  expect(child.output()).toMatch(/submitted [0-9a-f-]{36}: PENDING, NORMAL, position \d+/);
  expect(child.output()).toMatch(/final: COMPLETED APPROVED \d+(\.\d+)?/);
});
