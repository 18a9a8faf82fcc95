// A fresh, empty database of either engine for one test, named by a DATABASE_URL: a SQLite file in a temp folder
// or a PostgreSQL schema of its own; cleanup removes it.
import { tempSchema } from './postgres.js';
import { tempDb } from './sqlite.js';

export type Engine = 'SQLite' | 'PostgreSQL';

export async function tempDatabase(engine: Engine): Promise<{ url: string; cleanup(): Promise<void> }> {
  if (engine === 'SQLite') {
    const db = tempDb();
    return { url: db.path, cleanup: () => db.cleanup() };
  }
  const schema = await tempSchema();
  return { url: schema.url, cleanup: () => schema.cleanup() };
}
