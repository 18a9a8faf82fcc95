// The accept watch: libuv takes one new connection per turn of the event loop, so a burst is accepted over as many
// turns; the claiming worker's settler holds its next batch until the burst is in, so the worker's turns do not
// stretch those of the loop meanwhile (the first requests of a burst's last connections waited on them).
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../../src/db/sqlite/store.js';
import { createAcceptWatch } from '../../src/queue/accept-watch.js';
import { createSettler } from '../../src/queue/settler.js';
import type { QueueStore } from '../../src/queue/store.js';
import { progress } from '../../src/queue/transitions.js';
import { newMessage } from '../helpers/messages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const BURST = 30;

describe('the accept watch', () => {
  const sockets: Socket[] = [];
  let server: Server | undefined;
  let store: SqliteQueueStore | undefined;
  let service: TestServer | undefined;
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
    await store?.close();
    store = undefined;
    await service?.stop();
    service = undefined;
  });

  /** A real TCP server that reports to `onAccept` each connection it accepts, and how many it has. */
  async function listen(onAccept: (accepted: number) => void) {
    let accepted = 0;
    server = createServer((socket) => {
      sockets.push(socket);
      onAccept(++accepted);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    return {
      accepted: () => accepted,
      /** BURST connections at once, as clients connecting together. */
      burst: () => {
        for (let i = 0; i < BURST; i++) sockets.push(connect(port, '127.0.0.1').on('error', () => {}));
      },
    };
  }

  it('holds from the first connection of a burst until the last is accepted', async () => {
    const watch = createAcceptWatch(60_000);
    let released: Promise<number> | undefined;
    const tcp = await listen((n) => {
      watch.accepted();
      if (n === 1) released = watch.hold()!.then(() => tcp.accepted());
    });
    expect(watch.hold()).toBeUndefined();
    tcp.burst();
    await expect.poll(() => released).toBeDefined();
    expect(await released).toBe(BURST);
    // Once the burst is in, nothing is left to wait for.
    expect(watch.hold()).toBeUndefined();
  });

  it("the settler writes a batch submitted during a burst only after it, with the watch's hold", async () => {
    store = new SqliteQueueStore(openSqlite(':memory:'));
    await store.enqueueMany([newMessage()], { maxSize: 10 }, new Date());
    const [held] = await store.claim({ workerId: 'w', limit: 1, leaseMs: 60_000, now: new Date() });
    const watch = createAcceptWatch(60_000);
    let acceptedAtWrite = -1;
    const real = store;
    const recording: QueueStore = Object.create(real, {
      change: {
        value: async (...args: Parameters<QueueStore['change']>) => {
          acceptedAtWrite = tcp.accepted();
          return real.change(...args);
        },
      },
    });
    const settler = createSettler({ store: recording, clock: () => new Date(), hold: watch.hold });
    let written: Promise<unknown> | undefined;
    const tcp = await listen((n) => {
      watch.accepted();
      if (n === 1) written = settler.submit({ id: held!.id, transition: progress(held!, { step: 1 }) });
    });
    tcp.burst();
    await expect.poll(() => written).toBeDefined();
    expect(await written).not.toBeNull();
    expect(acceptedAtWrite).toBe(BURST);
  });

  it("the service's server reports the connections it accepts to its runtime's watch", async () => {
    service = await startTestServer();
    expect(service.runtime.accepts.hold()).toBeUndefined();
    await service.gql('{ queueStats { pendingCount } }');
    const hold = service.runtime.accepts.hold();
    expect(hold).toBeDefined();
    await hold;
  });
});
