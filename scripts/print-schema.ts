// Prints schema.graphql from the code: `npm run schema` writes it, `npm run schema:check` fails when it differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { schema } from '../src/schema/index.js';

const target = fileURLToPath(new URL('../schema.graphql', import.meta.url));
const header = '# Printed from src/schema by `npm run schema`; do not edit by hand.\n\n';
const printed = `${header}${printSchema(schema)}\n`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // A missing file differs like any other.
  }
  if (current !== printed) {
    console.error(
      'schema.graphql differs from the schema in src/schema: run `npm run schema` and commit it.',
    );
    process.exit(1);
  }
  console.log('schema.graphql is up to date.');
} else {
  writeFileSync(target, printed);
  console.log(`wrote ${target}`);
}
