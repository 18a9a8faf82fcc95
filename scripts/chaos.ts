// npm run chaos -- --seconds S [--workers N] [--api N] [--database postgres://...]: worker processes, API processes
// and a submitter speaking HTTP to them in turn, on one SQLite file (or a schema of its own on that PostgreSQL
// server); a random one kill -9ed every 1-3 s and restarted; then `chaos: K kills, M messages, L lost, D completed twice`.
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { chaosDatabase } from './chaos/database.js';
import { startFleet } from './chaos/fleet.js';
import { judge, unfinished } from './chaos/verdict.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    workers: { type: 'string', default: '3' },
    api: { type: 'string', default: '1' },
    database: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const workers = Number(values.workers);
const apis = Number(values.api);
if (!(seconds > 0) || !Number.isInteger(workers) || workers < 1 || !Number.isInteger(apis) || apis < 1) {
  process.stderr.write(
    'usage: npm run chaos -- [--seconds S (> 0)] [--workers N (>= 1)] [--api N (>= 1)] [--database postgres://host/db]\n',
  );
  process.exit(2);
}
/** After submissions stop: a dead worker's lease (6 s) must expire and every retry run out. */
const DRAIN_MS = 90_000;
const say = (text: string) => process.stderr.write(`chaos: ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Every phase below is bounded; this is the last resort should one of them hang all the same.
setTimeout(
  () => {
    say('the run overran its time bound; giving up');
    process.exit(2);
  },
  seconds * 1000 + 180_000,
).unref();

const database = await chaosDatabase(values.database);
// Created (and migrated) here, so the first processes do not all race to build the schema.
const store = await database.open();
const apiPorts: number[] = [];
while (apiPorts.length < apis) {
  const port = await freePort();
  if (!apiPorts.includes(port)) apiPorts.push(port);
}
const fleet = startFleet({ databaseUrl: database.url, workers, apiPorts });
// The clock starts once the API answers: on a loaded machine starting the processes can take seconds.
if (!(await fleet.apiReady(60_000))) {
  say(`the API processes did not become ready within 60 s\n${fleet.tails()}`);
  await fleet.stop(1000);
  process.exit(1);
}
const start = Date.now();
fleet.startSubmitter(start + seconds * 1000);

let kills = 0;
while (Date.now() - start < seconds * 1000) {
  await sleep(1000 + Math.random() * 2000);
  if (Date.now() - start >= seconds * 1000) break;
  const victim = await fleet.killRandom();
  if (victim) kills++;
}
say(`${kills} kills in ${seconds} s; waiting for the submitter and the queue to drain`);
await Promise.race([fleet.submitterDone(), sleep(30_000)]);
const drainStart = Date.now();
while ((await unfinished(store).catch(() => 1)) > 0 && Date.now() - drainStart < DRAIN_MS) await sleep(200);
say(`drained in ${((Date.now() - drainStart) / 1000).toFixed(1)} s`);
await fleet.stop(10_000);

const v = await judge(store, fleet.accepted, () => database.integrity());
await store.close();
process.stdout.write(
  `chaos: ${kills} kills, ${v.messages} messages, ${v.lost.length} lost, ${v.completedTwice.length} completed twice\n`,
);
const problems = [
  v.lost.length > 0 ? `lost: ${v.lost.slice(0, 10).join(' ')}` : '',
  v.completedTwice.length > 0 ? `completed twice: ${v.completedTwice.slice(0, 10).join(' ')}` : '',
  v.gaps.length > 0 ? `event versions not 1..n: ${v.gaps.slice(0, 10).join(' ')}` : '',
  v.integrity !== 'ok' ? `integrity_check: ${v.integrity}` : '',
  v.messages === 0 ? 'no message was accepted' : '',
  ...fleet.unexpectedExits,
].filter(Boolean);
if (problems.length > 0) {
  for (const p of problems) say(p);
  say(`the database is kept for inspection: ${database.where}\n${fleet.tails()}`);
  process.exit(1);
}
await database.remove();
process.exit(0);

/** A loopback port free now, for an API process to keep across its restarts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
