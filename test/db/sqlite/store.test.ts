// Runs the store conformance suite on real SQLite files, a new file for each test.
import { tempDb } from '../../helpers/sqlite.js';
import { describeStoreConformance } from '../store.conformance.js';

describeStoreConformance('SQLite', async () => {
  const db = tempDb();
  return { store: db.open(), cleanup: () => db.cleanup() };
});
