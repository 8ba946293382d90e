import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemaFiles } from '../../schemas/json-files.ts';

describe('generated JSON Schema', () => {
  it('schemas/json matches the zod schemas (run `npm run schemas` when this fails)', () => {
    for (const [name, text] of Object.entries(jsonSchemaFiles())) {
      expect(readFileSync(join('schemas', 'json', name), 'utf8'), name).toBe(text);
    }
  });
});
