// Heartbeats on PostgreSQL, side by side in one run: lease renewals with the lease's end in no index (ours) and
// with it indexed as on SQLite (messages_lease_idx). Prints renewal time, the share of HOT updates and how much the
// indexes of `messages` grew. Usage: node --import tsx bench/pg-heartbeats.ts [postgres://...]
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openPostgres } from '../src/db/postgres/open.js';
import type { NewMessage } from '../src/queue/types.js';
import { benchMessage } from './messages.js';

const URL = process.argv[2] ?? 'postgres://127.0.0.1:5432/test';
const MESSAGES = 400;
const ROUNDS = 30;

const admin = postgres(URL, { max: 1, onnotice: () => {} });
const subjects = [
  { name: 'lease end in no index (ours)', index: false },
  { name: 'lease end indexed (as on SQLite)', index: true },
].map((s) => ({ ...s, schema: `bench_${randomBytes(4).toString('hex')}`, ms: [] as number[] }));

const message = (i: number): NewMessage =>
  benchMessage({
    id: `m-${i}-${randomBytes(4).toString('hex')}`,
    payload: { applicantName: 'A. Applicant', address: '1 Main Street', coverageAmount: 250_000 + i },
  });

const indexBytes = async (schema: string) => {
  const [row] = await admin<{ bytes: number }[]>`SELECT SUM(pg_relation_size(i.indexrelid))::int8 AS bytes
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ${schema} AND c.relname = 'messages'`;
  return Number(row!.bytes);
};

try {
  const stores = [];
  for (const s of subjects) {
    await admin.unsafe(`CREATE SCHEMA "${s.schema}"`);
    const store = await openPostgres(URL, { schema: s.schema, poolSize: 2 });
    if (s.index)
      await admin.unsafe(
        `CREATE INDEX messages_lease_idx ON "${s.schema}".messages (lease_expires_at) WHERE status = 'PROCESSING'`,
      );
    await store.enqueueMany(
      Array.from({ length: MESSAGES }, (_, i) => message(i)),
      { maxSize: 100_000 },
      new Date(),
    );
    const claimed = await store.claim({ workerId: 'w', limit: MESSAGES, leaseMs: 30_000, now: new Date() });
    await admin.unsafe(`VACUUM ANALYZE "${s.schema}".messages`);
    stores.push({ s, store, held: claimed.map((m) => ({ id: m.id, attempts: m.attempts })), before: 0 });
  }
  for (const x of stores) x.before = await indexBytes(x.s.schema);
  // Alternating rounds, so a slow spell of the shared machine falls on both.
  for (let round = 1; round <= ROUNDS; round++) {
    for (const x of round % 2 ? stores : [...stores].reverse()) {
      const start = performance.now();
      const lost = await x.store.renewLeases('w', x.held, 30_000 + round * 1000, new Date());
      x.s.ms.push(performance.now() - start);
      if (lost.length > 0) throw new Error(`${x.s.name}: lost ${lost.length} leases`);
    }
  }
  for (const x of stores) await x.store.close(); // a backend's exit flushes its table statistics
  for (const x of stores) {
    const [t] = await admin<
      { upd: number; hot: number }[]
    >`SELECT n_tup_upd::int8 AS upd, n_tup_hot_upd::int8 AS hot
      FROM pg_stat_user_tables WHERE schemaname = ${x.s.schema} AND relname = 'messages'`;
    const sorted = [...x.s.ms].sort((a, b) => a - b);
    const renewals = MESSAGES * ROUNDS;
    console.log(
      `${x.s.name}: renewal of ${MESSAGES} leases median ${sorted[sorted.length >> 1]!.toFixed(1)} ms;` +
        ` HOT ${Number(t!.hot)} of ${renewals} renewals (${Number(t!.upd)} updates with the claims);` +
        ` indexes grew ${((await indexBytes(x.s.schema)) - x.before) / 1024} KiB`,
    );
  }
} finally {
  for (const s of subjects) await admin.unsafe(`DROP SCHEMA IF EXISTS "${s.schema}" CASCADE`);
  await admin.end();
}
