// An outside writer for lock tests: takes the SQLite write lock on QUEUE_DB, says "locked", holds it HOLD_MS.
import Database from 'better-sqlite3';

const db = new Database(process.env.QUEUE_DB!, { timeout: 5000 });
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\n');
setTimeout(
  () => {
    db.exec('COMMIT');
    db.close();
    process.exit(0);
  },
  Number(process.env.HOLD_MS ?? 500),
);
