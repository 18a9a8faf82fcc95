// The webhook thread's body (thread.ts starts it): a dispatcher on connections of its own, so that making the
// deliveries, calling them and recording how they went never take the process's event loop from the worker.
// Its host wakes it when a delivered kind of change is published and asks it to stop.
import { parentPort, workerData } from 'node:worker_threads';
import { openWebhookConnection } from '../db/open-store.js';
import { createDispatcher } from './dispatcher.js';
import type { FromThread, ThreadData, ToThread } from './thread.js';

const data = workerData as ThreadData;
const port = parentPort!;
const post = (message: FromThread) => port.postMessage(message);
const errorOf = (error: unknown): FromThread => ({
  type: 'error',
  message: error instanceof Error ? error.message : String(error),
  stack: error instanceof Error ? error.stack : undefined,
});

try {
  const connection = await openWebhookConnection(data.store, data.poolSize);
  const dispatcher = createDispatcher({
    store: connection,
    webhooks: connection.webhooks,
    allowPrivate: data.allowPrivate,
    retryBaseMs: data.retryBaseMs,
    workerId: data.workerId,
    pollMs: data.pollMs,
    retentionMs: data.retentionMs,
    concurrency: data.concurrency,
    onError: (error) => post(errorOf(error)),
    onCall: (info) => {
      if (data.reportDelivered || !info.result.ok) post({ type: 'call', info });
    },
  });
  port.on('message', (m: ToThread) => {
    if (m.type === 'wake') dispatcher.kick();
    else if (m.type === 'kick') dispatcher.kick(m.endpointsChanged);
    else if (m.type === 'idle')
      void dispatcher.idle().then(
        () => post({ type: 'idle', id: m.id }),
        (error) => post(errorOf(error)),
      );
    else if (m.type === 'stop')
      void dispatcher
        .stop()
        .then(() => connection.close())
        .catch((error) => post(errorOf(error)))
        .finally(() => port.close());
  });
  dispatcher.start();
  post({ type: 'ready' });
} catch (error) {
  post(errorOf(error));
  port.close();
}
