import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset } from '../../../schemas/dataset.ts';
import { analyzeDatasetFile, type DatasetAnalysis } from '../../../electron/services/datasets/analyze.ts';
import { FIXTURES, makeScratch, readTable, tableFolder } from './helpers.ts';

const scratch = makeScratch();
afterAll(() => scratch.cleanup());

const fixture = (name: string) => join(FIXTURES, name);
const codes = (analysis: DatasetAnalysis) => analysis.detection.warnings.map((warning) => warning.code);
const warning = (analysis: DatasetAnalysis, code: string) => analysis.detection.warnings.find((item) => item.code === code)?.message ?? '';

/** The analysis fits the stored Dataset shape once the store adds its own fields. */
function expectValidShape(analysis: DatasetAnalysis): void {
  const dataset = { ...analysis, id: 'x', name: 'x', sourcePath: 'x', dataPath: 'x', createdAt: new Date().toISOString() };
  expect(Dataset.safeParse(dataset).error).toBeUndefined();
}

describe('clean files in every format', () => {
  it('CSV: columns, hash of the original bytes, preview, the canonical table', async () => {
    const path = fixture('reviews.csv');
    const folder = tableFolder(scratch, 'clean');
    const analysis = await analyzeDatasetFile(path, { tableDir: folder });
    expectValidShape(analysis);
    expect(analysis).toMatchObject({ format: 'csv', rows: 30, encoding: 'utf-8', delimiter: ',' });
    expect(analysis.sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    expect(analysis.bytes).toBe(readFileSync(path).length);
    expect(analysis.columns.map((column) => [column.name, column.type])).toEqual([['id', 'integer'], ['text', 'text'], ['label', 'category']]);
    expect(analysis.preview).toHaveLength(20);
    expect(Object.keys(analysis.preview[0])).toEqual(['id', 'text', 'label']);
    const table = readTable(folder);
    // the id column's labels would be numbers: they are derived beside the cells, which stay as written
    expect(table.schema).toMatchObject({ rows: 30, source: 'reviews.csv', labels: [{ column: 'id', index: 3, reading: { kind: 'number' } }] });
    expect(table.schema.columns.map((column) => [column.name, column.type])).toEqual([['id', 'integer'], ['text', 'text'], ['label', 'category']]);
    expect(table.rows).toHaveLength(30);
    expect(table.rows[0]).toEqual(['1', analysis.preview[0].text, analysis.preview[0].label, '1']);
    expect(readdirSync(folder).sort()).toEqual(['table.jsonl', 'table.schema.json']);
    const text = analysis.columns[1];
    expect(text.textLength!.min).toBeLessThanOrEqual(text.textLength!.p50);
    expect(text.textLength!.p50).toBeLessThanOrEqual(text.textLength!.p95);
    expect(text.textLength!.p95).toBeLessThanOrEqual(text.textLength!.max);
    expect(text.samples.length).toBeGreaterThan(0);
    expect(analysis.detection).toMatchObject({
      modality: 'text', task: 'classification', textColumn: 'text', labelColumn: 'label', idColumns: ['id'], balance: 1,
      labels: [{ label: 'negative', count: 10 }, { label: 'neutral', count: 10 }, { label: 'positive', count: 10 }],
    });
    expect(codes(analysis)).toEqual(['ID_COLUMNS_IGNORED']);
  });

  it('TSV: read with tabs into the canonical table', async () => {
    const folder = tableFolder(scratch, 'tsv');
    const analysis = await analyzeDatasetFile(fixture('reviews.tsv'), { tableDir: folder });
    expect(analysis).toMatchObject({ format: 'tsv', delimiter: '\t', rows: 30 });
    expect(analysis.detection).toMatchObject({ textColumn: 'sentence', labelColumn: 'label', task: 'classification' });
    const table = readTable(folder);
    expect(table.schema.columns.map((column) => column.name)).toEqual(['sentence', 'label']);
    expect(table.rows).toHaveLength(30);
  });

  it('JSONL with blank lines: records, UUID column ignored', async () => {
    const analysis = await analyzeDatasetFile(fixture('reviews.jsonl'));
    expectValidShape(analysis);
    expect(analysis).toMatchObject({ format: 'jsonl', rows: 30, delimiter: null });
    expect(analysis.detection).toMatchObject({ textColumn: 'text', labelColumn: 'label', idColumns: ['uuid'] });
  });

  it('Parquet compressed with ZSTD (the Polars default)', async () => {
    const analysis = await analyzeDatasetFile(fixture('zstd.parquet'));
    expect(analysis).toMatchObject({ format: 'parquet', rows: 20 });
    expect(analysis.detection).toMatchObject({ textColumn: 'text', labelColumn: 'label' });
  });

  it('Parquet: row groups read in turn, integer sequence ignored as an ID', async () => {
    const progress: number[] = [];
    const analysis = await analyzeDatasetFile(fixture('reviews.parquet'), { onProgress: (fraction) => progress.push(fraction) });
    expectValidShape(analysis);
    expect(analysis).toMatchObject({ format: 'parquet', rows: 30 });
    expect(analysis.detection).toMatchObject({ textColumn: 'text', labelColumn: 'label', idColumns: ['n'], task: 'classification' });
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});

describe('messy real-world files', () => {
  it('UTF-8 BOM, ";" delimiter, CRLF, quoted newlines and doubled quotes', async () => {
    const folder = tableFolder(scratch, 'semicolons');
    const analysis = await analyzeDatasetFile(fixture('semicolon-bom-crlf.csv'), { tableDir: folder });
    expect(analysis).toMatchObject({ format: 'csv', delimiter: ';', rows: 24, encoding: 'utf-8' });
    expect(analysis.columns.map((column) => column.name)).toEqual(['review', 'sentiment']);
    const quoted = analysis.preview.find((row) => row.review.includes('wow'))!;
    expect(quoted.review).toMatch(/; she said "wow"\nand then left$/);
    expect(analysis.detection).toMatchObject({ textColumn: 'review', labelColumn: 'sentiment' });
    const table = readTable(folder);
    expect(table.schema.columns[0].name).toBe('review'); // no byte order mark in the name
    expect(table.rows.some((row) => typeof row[0] === 'string' && row[0].endsWith('; she said "wow"\nand then left'))).toBe(true);
  });

  it('Latin-1 (Windows-1252): converted to UTF-8 with ENCODING_CONVERTED', async () => {
    const folder = tableFolder(scratch, 'latin1');
    const analysis = await analyzeDatasetFile(fixture('latin1.csv'), { tableDir: folder });
    expect(analysis).toMatchObject({ encoding: 'latin-1' });
    expect(analysis.columns.map((column) => column.name)).toEqual(['texte', 'étiquette']);
    expect(analysis.detection.labels.map((label) => label.label).sort()).toEqual(['négatif', 'positif']);
    expect(analysis.preview[0].texte).toBe('Très bon film, émouvant — “super”');
    expect(codes(analysis)).toContain('ENCODING_CONVERTED');
    expect(readTable(folder).rows[0][0]).toBe('Très bon film, émouvant — “super”');
  });

  it('Latin-1 found only after the first MiB: still converted, every row in the table', async () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => `plain ascii sentence number ${i},${i % 2 ? 'a' : 'b'}\n`).join('');
    const tail = Buffer.from('caf\xe9 cr\xe8me br\xfbl\xe9e,a\n', 'latin1');
    const path = scratch.write('late-latin1.csv', Buffer.concat([Buffer.from(`text,label\n${rows}`), tail]));
    const folder = tableFolder(scratch, 'late-latin1');
    const analysis = await analyzeDatasetFile(path, { tableDir: folder });
    expect(analysis).toMatchObject({ encoding: 'latin-1', rows: 40_001 });
    const table = readTable(folder);
    expect(table.rows).toHaveLength(40_001);
    expect(table.rows.at(-1)).toEqual(['café crème brûlée', 'a']);
  });

  it('labels differing by case or spaces, missing labels, empty and duplicate texts, an ID column', async () => {
    const analysis = await analyzeDatasetFile(fixture('messy-labels.csv'));
    expect(analysis.detection).toMatchObject({ textColumn: 'comment', labelColumn: 'label', idColumns: ['row_id'], task: 'classification' });
    expect(codes(analysis).sort()).toEqual(
      ['ID_COLUMNS_IGNORED', 'LABELS_MISSING_SOME', 'LABEL_CASE_VARIANTS', 'LABEL_IMBALANCED', 'LABEL_RARE_CLASSES', 'TEXT_DUPLICATES', 'TEXT_EMPTY_SOME'].sort(),
    );
    expect(warning(analysis, 'LABEL_CASE_VARIANTS')).toContain('"spam", "Spam" and "spam "');
    expect(warning(analysis, 'LABEL_CASE_VARIANTS')).toContain('"ham" and "HAM"');
    expect(warning(analysis, 'LABEL_RARE_CLASSES')).toContain('"HAM" (1)');
    expect(warning(analysis, 'TEXT_DUPLICATES')).toMatch(/^1 row repeats/);
    // 21 rows say ham, but one has no text: counts are of the rows the model trains on
    expect(analysis.detection.labels[0]).toEqual({ label: 'ham', count: 20 });
    expect(analysis.detection.balance).toBeCloseTo(1 / 20, 3);
    const label = analysis.columns.find((column) => column.name === 'label')!;
    expect(label.missing).toBe(1);
  });

  it('integer labels with few values: classification', async () => {
    const analysis = await analyzeDatasetFile(fixture('numeric-labels.csv'));
    expect(analysis.detection).toMatchObject({ task: 'classification', labelColumn: 'target', textColumn: 'text', balance: 1 });
    expect(analysis.detection.labels.map((label) => label.label)).toEqual(['0', '1', '2']);
  });

  it('many distinct decimals: regression, no label list', async () => {
    const analysis = await analyzeDatasetFile(fixture('regression.csv'));
    expect(analysis.detection).toMatchObject({ task: 'regression', labelColumn: 'score', labels: [], balance: null });
    expect(analysis.columns.find((column) => column.name === 'score')!.type).toBe('number');
  });

  it('integers with many values: regression for a score, classification for a label', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `text number ${i} here,${(i * 37) % 101},${i % 120}\n`).join('');
    const analysis = await analyzeDatasetFile(scratch.write('scores.csv', `text,score,other\n${rows}`));
    expect(analysis.detection).toMatchObject({ task: 'regression', labelColumn: 'score' });
    const labelled = await analyzeDatasetFile(scratch.write('topics.csv', `text,label\n${rows.replace(/,\d+\n/g, '\n')}`));
    expect(labelled.detection).toMatchObject({ task: 'classification', labelColumn: 'label' });
    expect(labelled.detection.labels).toHaveLength(101);
  });

  it('HTML inside data rows is data, not a web page', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `"<html><body>offer ${i}</body></html>",${i % 2 ? 'spam' : 'ham'}\n`).join('');
    const analysis = await analyzeDatasetFile(scratch.write('html-rows.csv', `email,label\n${rows}`));
    expect(analysis.detection).toMatchObject({ textColumn: 'email', labelColumn: 'label' });
  });

  it('multi-label from JSON arrays (JSONL and Parquet)', async () => {
    for (const name of ['multilabel.jsonl', 'multilabel.parquet']) {
      const analysis = await analyzeDatasetFile(fixture(name));
      expect(analysis.detection, name).toMatchObject({ task: 'multi_label', labelColumn: 'labels', textColumn: 'text' });
      expect(analysis.detection.labels.map((label) => label.label).sort()).toEqual(['business', 'politics', 'science', 'sports']);
      expect(analysis.columns.find((column) => column.name === 'labels')!.type).toBe('list');
    }
  });

  it('multi-label from "a|b" cells in a CSV column', async () => {
    const analysis = await analyzeDatasetFile(fixture('multilabel-pipe.csv'));
    expect(analysis.detection).toMatchObject({ task: 'multi_label', labelColumn: 'tags' });
    expect(analysis.detection.labels.map((label) => label.label).sort()).toEqual(['business', 'politics', 'science', 'sports']);
  });

  it('an unnamed index column (pandas to_csv) is named as pandas names it and ignored', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `${i},sentence ${i} is here,${i % 3 === 0 ? 'x' : 'y'}\n`).join('');
    const analysis = await analyzeDatasetFile(scratch.write('indexed.csv', `,text,label\n${rows}`));
    expect(analysis.columns[0].name).toBe('Unnamed: 0');
    expect(analysis.detection.idColumns).toEqual(['Unnamed: 0']);
  });

  it('words such as NA and null are values; only a blank cell is missing', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `sentence ${i} is here,${i === 0 ? 'NA' : i === 1 ? 'null' : i === 2 ? '  ' : i % 2 ? 'x' : 'y'}\n`).join('');
    const analysis = await analyzeDatasetFile(scratch.write('na.csv', `text,label\n${rows}`));
    expect(analysis.columns[1].missing).toBe(1);
    expect(codes(analysis)).toContain('LABELS_MISSING_SOME');
  });

  it('JSONL with a BOM and Latin-1 bytes: clean UTF-8 in the table', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => `{"text": "caf\xe9 number ${i}", "label": "${i % 2 ? 'x' : 'y'}"}`).join('\r\n');
    const path = scratch.write('latin.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines, 'latin1')]));
    const folder = tableFolder(scratch, 'latin-jsonl');
    const analysis = await analyzeDatasetFile(path, { tableDir: folder });
    expect(analysis).toMatchObject({ format: 'jsonl', encoding: 'latin-1', rows: 12 });
    const table = readTable(folder);
    expect(table.rows[0]).toEqual(['café number 0', 'y']);
    expect(table.rows).toHaveLength(12);
  });

  it('JSONL records with different keys: union of columns, absent keys count as missing', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify(i === 0 ? { text: 'first one', label: 'x', note: 'only here' } : { label: i % 2 ? 'x' : 'y', text: `text number ${i}` }));
    const analysis = await analyzeDatasetFile(scratch.write('keys.jsonl', lines.join('\n')));
    expect(analysis.columns.map((column) => [column.name, column.missing])).toEqual([['text', 0], ['label', 0], ['note', 11]]);
    expect(analysis.preview[1]).toEqual({ text: 'text number 1', label: 'x', note: '' });
  });

  it('a .txt file with tabs is read as TSV', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `sentence, number ${i}\t${i % 2 ? 'x' : 'y'}\n`).join('');
    const analysis = await analyzeDatasetFile(scratch.write('data.txt', `text\tlabel\n${rows}`));
    expect(analysis).toMatchObject({ format: 'tsv', delimiter: '\t' });
  });

  it('a file without a final newline and with CR-only line ends', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `sentence ${i} is here,${i % 2 ? 'x' : 'y'}`).join('\r');
    const analysis = await analyzeDatasetFile(scratch.write('cr.csv', `text,label\r${rows}`));
    expect(analysis.rows).toBe(12);
  });
});
