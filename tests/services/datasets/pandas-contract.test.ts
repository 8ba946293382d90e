import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeDatasetFile } from '../../../electron/services/datasets/analyze.ts';
import { FIXTURES, makeScratch, PYTHON, pythonHas } from './helpers.ts';

const hasPandas = pythonHas('pandas');

const scratch = makeScratch();
afterAll(() => scratch.cleanup());

/** For each case, reads the file the trainer would get with pandas defaults, and the original with its real encoding and delimiter. */
const SCRIPT = `
import json, sys, pandas as pd
out = []
for trainer_file, original, sep, encoding in json.loads(sys.argv[1]):
    a = pd.read_csv(trainer_file)
    b = pd.read_csv(original, sep=sep, encoding=encoding)
    out.append({"equal": bool(a.equals(b)), "rows": len(a), "columns": list(a.columns)})
print(json.dumps(out))
`;

const CASES: [string, string, string][] = [
  ['semicolon-bom-crlf.csv', ';', 'utf-8-sig'],
  ['latin1.csv', ',', 'cp1252'],
  ['reviews.tsv', '\t', 'utf-8'],
  ['reviews.csv', ',', 'utf-8'],
  ['messy-labels.csv', ',', 'utf-8'],
];

describe.skipIf(!hasPandas)('the trainer (pandas defaults) reads what the analysis describes', () => {
  const expected: unknown[] = [];
  let results: unknown[] = [];
  beforeAll(async () => {
    const jobs: string[][] = [];
    for (const [name, sep, encoding] of CASES) {
      const original = join(FIXTURES, name);
      const copy = join(scratch.out, `${name}.normalized.csv`);
      const analysis = await analyzeDatasetFile(original, { normalizedOutPath: copy });
      expect(existsSync(copy)).toBe(analysis.needsNormalizedCopy);
      jobs.push([analysis.needsNormalizedCopy ? copy : original, original, sep, encoding]);
      expected.push({ equal: true, rows: analysis.rows, columns: analysis.columns.map((column) => column.name) });
    }
    results = JSON.parse(execFileSync(PYTHON, ['-c', SCRIPT, JSON.stringify(jobs)], { encoding: 'utf8' }));
  });
  CASES.forEach(([name], i) => {
    it(name, () => expect(results[i]).toEqual(expected[i]));
  });
});
