// drizzle-kit: generates the SQLite migrations in drizzle/ from src/db/schema.ts (`npm run db:generate`).
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
