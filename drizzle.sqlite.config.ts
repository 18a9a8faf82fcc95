// drizzle-kit: generates the SQLite migrations in drizzle/sqlite/ from src/db/sqlite/tables.ts (`npm run db:generate`).
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/sqlite/tables.ts',
  out: './drizzle/sqlite',
});
