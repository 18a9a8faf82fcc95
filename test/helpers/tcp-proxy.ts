// A TCP proxy between the service and a real server (PostgreSQL here), so a test can make the server "go away"
// without stopping the shared one: while down, open connections are reset and new ones are reset on arrival, as a
// stopped server's host answers (a connection that is accepted and then closed quietly is another fault: see
// docs/postgres.md).
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /** Resets every open connection (both sides) and every new one at once, until `up()`. */
  down(): void;
  /** Lets connections through again. */
  up(): void;
  /** Connections opened through it so far (each client connection counts once). */
  readonly opened: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const live = new Set<Socket>();
  let isDown = false;
  let opened = 0;
  const server: Server = createServer((client) => {
    if (isDown) {
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    opened++;
    const upstream = connect(target.port, target.host);
    const pair = [client, upstream];
    for (const s of pair) {
      live.add(s);
      s.setNoDelay(true);
      // Either side ending or failing ends both, as a dropped network path would.
      s.on('error', () => {});
      s.on('close', () => {
        live.delete(s);
        for (const other of pair) if (other !== s) other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the proxy has no port');
  return {
    port: address.port,
    down() {
      isDown = true;
      for (const s of live) s.resetAndDestroy();
    },
    up() {
      isDown = false;
    },
    get opened() {
      return opened;
    },
    async close() {
      for (const s of live) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
