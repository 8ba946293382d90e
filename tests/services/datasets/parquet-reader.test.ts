/**
 * Parquet: only rows really decoded count, and any column name is a column. The footer-* and
 * *-column fixtures are the minimal files a fuzzer produced (issue 9, items 8 and 9).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeDatasetFile } from '../../../electron/services/datasets/analyze.ts';
import { expectFailure, FIXTURES, makeScratch, PYTHON, pythonHas } from './helpers.ts';

const scratch = makeScratch();
afterAll(() => scratch.cleanup());

const hasPyarrow = pythonHas('pyarrow');

describe('a footer that disagrees with the data is refused', () => {
  it('one row more than the pages hold: DATASET_PARQUET_INVALID, no phantom row', async () => {
    await expectFailure(join(FIXTURES, 'footer-claims-one-row-more.parquet'), scratch.out, 'DATASET_PARQUET_INVALID', /footer says the file holds 31 rows, but column "text" holds 30/);
  });

  it('100 million rows claimed for 30: refused at once, with no memory spent on the claim', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    await expectFailure(join(FIXTURES, 'footer-claims-100m-rows.parquet'), scratch.out, 'DATASET_PARQUET_INVALID', /holds 100000000 rows, but column "text" holds 30/);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('any column name is a column', () => {
  it('an empty name becomes "Unnamed: 0" in the header and the data alike', async () => {
    const analysis = await analyzeDatasetFile(join(FIXTURES, 'empty-column-name.parquet'), { columns: { textColumn: 'Unnamed: 0', labelColumn: 'label' } });
    expect(analysis.rows).toBe(30);
    expect(analysis.columns.map((column) => [column.name, column.missing])).toEqual([['Unnamed: 0', 0], ['label', 0]]);
    expect(analysis.preview[0]).toEqual({ 'Unnamed: 0': 'sentence number 0 about the weather', label: 'positive' });
  });

  it('a __proto__ column keeps its values', async () => {
    const analysis = await analyzeDatasetFile(join(FIXTURES, 'proto-column.parquet'));
    expect(analysis.rows).toBe(30);
    expect(analysis.columns.map((column) => [column.name, column.missing])).toEqual([['text', 0], ['label', 0], ['__proto__', 0]]);
    expect(analysis.preview[2]['__proto__']).toBe('note 2');
  });
});

describe.skipIf(!hasPyarrow)('files written by pyarrow', () => {
  it('several row groups and small pages, lists and nulls: every row once, in order', async () => {
    const path = join(scratch.dir, 'groups.parquet');
    const script = `
import sys, pyarrow as pa, pyarrow.parquet as pq
n = 5000
table = pa.table({
    "text": [f"row {i} text" for i in range(n)],
    "label": [["a", "b", "c"][i % 3] for i in range(n)],
    "tags": [["x", "y"][: i % 3] for i in range(n)],
    "n": [None if i % 7 == 0 else i for i in range(n)],
    "": [f"blank {i}" for i in range(n)],
})
pq.write_table(table, sys.argv[1], row_group_size=1500, data_page_size=256, write_page_index=True)
`;
    execFileSync(PYTHON, ['-c', script, path]);
    const analysis = await analyzeDatasetFile(path);
    expect(analysis.rows).toBe(5000);
    expect(analysis.columns.map((column) => [column.name, column.missing])).toEqual([['text', 0], ['label', 0], ['tags', 0], ['n', 715], ['Unnamed: 4', 0]]);
    expect(analysis.columns.find((column) => column.name === 'tags')!.type).toBe('list');
    expect(analysis.preview[14]).toEqual({ text: 'row 14 text', label: 'c', tags: '["x","y"]', n: '', 'Unnamed: 4': 'blank 14' });
    expect(analysis.columns[0].distinct).toBe(5000);
  });
});
