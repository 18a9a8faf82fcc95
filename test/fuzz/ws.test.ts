// Fuzzing GraphQL over WebSocket: random schema documents as `subscribe` messages (every operation type), and
// random frames that break the protocol. Results carry coded errors and no internals; a broken frame closes
// only its own socket with a protocol code; /health keeps answering within a second.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '../../src/server/yoga.js';
import { ENGINES } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectCodedErrors, expectNoLeak, timeBox, watchHealth } from './checks.js';
import { anyRequest } from './documents.js';
import { openRaw } from './ws-client.js';

describe.each(ENGINES)('fuzzing over WebSocket on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ WORKER_CONCURRENCY: '1' }, { engine });
  });
  afterAll(() => t.stop());

  const isObjectOrNull = (v: unknown) => v == null || (typeof v === 'object' && !Array.isArray(v));
  const isNameOrNull = (v: unknown) => v == null || typeof v === 'string';

  describe('fuzzing over WebSocket', () => {
    it('answers every subscribe message with coded errors and no leaks', async () => {
      const health = watchHealth(t.url.replace('/graphql', ''));
      const socket = await openRaw(t.wsUrl);
      expect((await socket.next((m) => m.type === 'connection_ack'))?.type).toBe('connection_ack');
      let id = 0;
      await fc.assert(
        fc.asyncProperty(anyRequest, async (request) => {
          // A payload of the wrong shape breaks the protocol (graphql-ws closes with 4400): tested below, on
          // sockets of its own.
          fc.pre(
            typeof request.query === 'string' &&
              isObjectOrNull(request.variables) &&
              isNameOrNull(request.operationName),
          );
          const key = String(++id);
          const frame = JSON.stringify({ id: key, type: 'subscribe', payload: request });
          // A frame over the body cap closes its socket (1009), by design: test/soak/connections.test.ts checks that.
          // Here it would close the socket every later case shares.
          fc.pre(Buffer.byteLength(frame) <= MAX_FRAME_BYTES);
          socket.send(frame);
          const first = await socket.next((m) => m.id === key);
          expect(first, 'the socket closed').not.toBeNull();
          expectNoLeak(JSON.stringify(first), frame);
          if (first!.type === 'error') return expectCodedErrors(first!.payload, frame.slice(0, 500));
          expect(first!.type).toBe('next');
          expectCodedErrors((first!.payload as { errors?: unknown }).errors, frame.slice(0, 500));
          // Streams that stay open (live figures, a pending message) are completed by the client.
          socket.send(JSON.stringify({ id: key, type: 'complete' }));
        }),
        timeBox(2500),
      );
      await socket.close();
      const { slowestMs, failures } = await health.stop();
      expect(failures).toEqual([]);
      expect(slowestMs).toBeLessThan(1000);
      expect(t.server.openSubscriptions).toBe(0);
    });

    it('closes a socket that breaks the protocol with a 44xx code, and only that socket', async () => {
      const bystander = await openRaw(t.wsUrl);
      await bystander.next((m) => m.type === 'connection_ack');
      const frame = fc.oneof(
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string({ unit: 'binary', maxLength: 100 }),
        fc
          .record({
            id: fc.jsonValue(),
            type: fc.constantFrom('subscribe', 'next', 'ping', 'complete', 'x'),
            payload: fc.jsonValue(),
          })
          .map((v) => JSON.stringify(v)),
        fc.constant(JSON.stringify({ type: 'connection_init' })),
      );
      await fc.assert(
        fc.asyncProperty(frame, fc.boolean(), async (text, initFirst) => {
          const socket = await openRaw(t.wsUrl, initFirst ? { type: 'connection_init' } : JSON.parse('null'));
          if (initFirst) await socket.next((m) => m.type === 'connection_ack');
          socket.send(text);
          // Either the frame was acceptable (ping → pong, complete of nothing) or the socket is closed with a code.
          const reply = await socket.next(() => true, 1000).catch(() => 'silent');
          if (reply === null) {
            const { code, reason } = await socket.closed;
            expect(code >= 4400 && code < 4500, `close ${code} ${reason} after ${text}`).toBe(true);
            expectNoLeak(reason, text);
          } else if (reply !== 'silent') {
            expectNoLeak(JSON.stringify(reply), text);
          }
          await socket.close();
        }),
        timeBox(2500),
      );
      bystander.send(
        JSON.stringify({ id: 'b', type: 'subscribe', payload: { query: '{ queueStats { maxSize } }' } }),
      );
      expect((await bystander.next((m) => m.id === 'b'))?.type).toBe('next');
      await bystander.close();
    });
  });
});
