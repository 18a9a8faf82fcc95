// Runs the store conformance suite on a real PostgreSQL, each test in a schema of its own.
import { describePostgres, tempSchema } from '../../helpers/postgres.js';
import { describeStoreConformance } from '../store.conformance.js';

describePostgres('PostgreSQL store', () => {
  describeStoreConformance('PostgreSQL', async () => {
    const schema = await tempSchema();
    return { store: await schema.open(), cleanup: () => schema.cleanup() };
  });
});
