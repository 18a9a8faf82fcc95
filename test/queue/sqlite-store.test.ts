// Runs the store conformance suite on real SQLite files.
import { tempDb } from '../helpers/sqlite.js';
import { describeStoreConformance } from './store.conformance.js';

describeStoreConformance('SQLite', async () => {
  const db = tempDb();
  return { store: db.open(), cleanup: () => db.cleanup() };
});
