// The engine's limit: raw better-sqlite3, one message per transaction (insert; claim by UPDATE ... RETURNING
// on a (priority, seq) index; complete), with the same pragmas as ours. No events, leases or fencing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Instance, Subject } from './subject.js';

export const rawSqlite: Subject = {
  name: 'raw-sqlite',
  note: 'better-sqlite3, WAL + synchronous=NORMAL, each statement its own transaction; wakes its loops in process',
  async open(): Promise<Instance> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-raw-'));
    const db = new Database(join(dir, 'raw.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE jobs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, priority INTEGER NOT NULL, status TEXT NOT NULL,
        payload TEXT NOT NULL, result TEXT, started_at INTEGER, completed_at INTEGER);
      CREATE INDEX jobs_claim_idx ON jobs (priority DESC, seq) WHERE status = 'PENDING';`);
    const insert = db.prepare("INSERT INTO jobs (priority, status, payload) VALUES (2, 'PENDING', ?)");
    const claim = db.prepare(`UPDATE jobs SET status = 'PROCESSING', started_at = ?
      WHERE seq = (SELECT seq FROM jobs WHERE status = 'PENDING' ORDER BY priority DESC, seq LIMIT 1)
      RETURNING seq, payload`);
    const complete = db.prepare(
      "UPDATE jobs SET status = 'DONE', completed_at = ?, result = ? WHERE seq = ?",
    );
    const insertMany = db.transaction((list: string[]) => {
      for (const p of list) insert.run(p);
    });
    const process = async (_payload: unknown) => null;
    let running = false;
    let waiters: (() => void)[] = [];
    const wake = () => {
      const w = waiters;
      waiters = [];
      for (const r of w) r();
    };
    const loops: Promise<void>[] = [];
    return {
      async add(payload) {
        insert.run(JSON.stringify(payload));
        wake();
      },
      async addBatch(payloads) {
        insertMany(payloads.map((p) => JSON.stringify(p)));
        wake();
      },
      async work(concurrency, done) {
        running = true;
        for (let i = 0; i < concurrency; i++) {
          loops.push(
            (async () => {
              while (running) {
                const job = claim.get(Date.now()) as { seq: number; payload: string } | undefined;
                if (!job) {
                  await new Promise<void>((r) => {
                    waiters.push(r);
                    setTimeout(r, 50).unref();
                  });
                  continue;
                }
                const payload = JSON.parse(job.payload) as { n: number };
                const result = await process(payload);
                complete.run(Date.now(), JSON.stringify(result), job.seq);
                done(payload.n);
              }
            })(),
          );
        }
      },
      async close() {
        running = false;
        wake();
        await Promise.all(loops);
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
