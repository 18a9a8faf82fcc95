// A real HTTP endpoint on 127.0.0.1 for webhook tests: records every call (headers and body) and answers as the
// test says, so a test awaits the calls it expects instead of sleeping.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  headers: IncomingHttpHeaders;
  body: string;
  /** The headers as the standardwebhooks package's verify() takes them. */
  signed: Record<string, string>;
}

export interface Receiver {
  url: string;
  calls: ReceivedCall[];
  /** How to answer call number `n` (0-based); default 200. Return null to leave it unanswered. */
  respond: (n: number, call: ReceivedCall) => number | null;
  /** Resolves once `count` calls have arrived (or `predicate` holds for the calls so far). */
  waitFor(count: number | ((calls: ReceivedCall[]) => boolean), timeoutMs?: number): Promise<ReceivedCall[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call: ReceivedCall = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        signed: {
          'webhook-id': String(req.headers['webhook-id']),
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature']),
        },
      };
      const n = receiver.calls.length;
      receiver.calls.push(call);
      const status = receiver.respond(n, call);
      if (status === null) held.push(res);
      else res.writeHead(status).end();
      for (const w of waiters.splice(0))
        if (!w.check()) waiters.push(w);
        else w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    calls: [],
    respond: () => 200,
    waitFor(count, timeoutMs = 20_000) {
      const check = () =>
        typeof count === 'number' ? receiver.calls.length >= count : count(receiver.calls);
      return new Promise((resolve, reject) => {
        if (check()) return resolve(receiver.calls);
        const timer = setTimeout(
          () => reject(new Error(`timed out with ${receiver.calls.length} webhook calls received`)),
          timeoutMs,
        );
        waiters.push({
          check,
          resolve: () => {
            clearTimeout(timer);
            resolve(receiver.calls);
          },
        });
      });
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return receiver;
}
