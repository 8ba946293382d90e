/** Writes the JSON Schema files the Python trainer validates with. `npm run schemas`; a test fails when they are stale. */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemaFiles } from '../schemas/json-files.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'schemas', 'json');
mkdirSync(outDir, { recursive: true });
for (const [name, text] of Object.entries(jsonSchemaFiles())) {
  writeFileSync(join(outDir, name), text);
  console.log(`wrote schemas/json/${name}`);
}
