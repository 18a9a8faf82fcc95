// drizzle-kit: generates the PostgreSQL migrations in drizzle/postgres/ from src/db/postgres/tables.ts.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/postgres/tables.ts',
  out: './drizzle/postgres',
});
