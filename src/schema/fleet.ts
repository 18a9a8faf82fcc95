// The fleet: the processes working on the queue's database (admins), and the pause every worker shares.
import type { ProcessInfo } from '../queue/types.js';
import { builder } from './builder.js';
import { listCost, STORAGE_READ_COST } from './cost.js';

/** Processes a fleet is expected to hold, for the cost limit. */
const FLEET_ESTIMATE = 20;

const WorkerProcessRef = builder.objectRef<ProcessInfo>('WorkerProcess').implement({
  description:
    'A process working on this database (API, worker or both), as its last heartbeat described it. A process that stops beating leaves the list after its lease.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique per process start (host, pid and a random part).' }),
    host: t.exposeString('host', { description: 'The host name of its machine.' }),
    pid: t.exposeInt('pid', { description: 'Its operating-system process id.' }),
    api: t.exposeBoolean('api', { description: 'Whether it serves the API.' }),
    concurrency: t.exposeInt('concurrency', {
      description: 'Messages its worker runs at once (WORKER_CONCURRENCY); 0 when it takes no queued work.',
    }),
    running: t.exposeInt('running', { description: 'Attempts running in it at its last heartbeat.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it started.' }),
    lastHeartbeat: t.expose('lastHeartbeat', { type: 'DateTime', description: 'Its last heartbeat.' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      description: 'When it leaves the list unless it beats again.',
    }),
  }),
});

builder.queryField('workers', (t) =>
  t.field({
    type: [WorkerProcessRef],
    complexity: listCost(FLEET_ESTIMATE, STORAGE_READ_COST),
    description: 'Admins: the live processes on this database, oldest first.',
    resolve: (_root, _args, ctx) => ctx.service.processes(ctx.actor),
  }),
);
