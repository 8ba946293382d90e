import { execFileSync } from 'node:child_process';
import { createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeDatasetFile } from '../../../electron/services/datasets/analyze.ts';
import { makeScratch, tableFolder } from './helpers.ts';

const ANALYZE = join(import.meta.dirname, '../../../electron/services/datasets/analyze.ts');

const scratch = makeScratch();
afterAll(() => scratch.cleanup());

const WORDS = ['the', 'film', 'plot', 'great', 'awful', 'actor', 'slow', 'funny', 'music', 'scene', 'ending', 'story', 'long', 'brilliant', 'boring'];
const LABELS = ['positive', 'negative', 'neutral', 'mixed'];

/** Writes a ~50 MB CSV with an id, a varied quoted text column (some with commas and newlines) and a label. */
async function writeLargeCsv(path: string, targetBytes: number): Promise<number> {
  const stream = createWriteStream(path);
  stream.write('id,review,label\n');
  let bytes = 0;
  let rows = 0;
  let seed = 1;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 8;
  while (bytes < targetBytes) {
    let batch = '';
    for (let k = 0; k < 2000; k++) {
      const length = 8 + (next() % 25);
      const words: string[] = [];
      for (let w = 0; w < length; w++) words.push(WORDS[next() % WORDS.length]);
      if (rows % 50 === 0) words.push('"quoted", and\nsplit');
      const text = words.join(' ').replace(/"/g, '""');
      batch += `${rows},"${text} #${rows}",${LABELS[next() % LABELS.length]}\n`;
      rows++;
    }
    bytes += Buffer.byteLength(batch);
    if (!stream.write(batch)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
  return rows;
}

describe('streaming a large file', () => {
  let path = '';
  let rows = 0;
  beforeAll(async () => {
    path = scratch.dir + '/large.csv';
    rows = await writeLargeCsv(path, 50 * 1024 * 1024);
  });

  it('profiles ~50 MB in one pass with steady progress', async () => {
    const progress: number[] = [];
    const started = performance.now();
    const analysis = await analyzeDatasetFile(path, { tableDir: tableFolder(scratch, 'large'), onProgress: (fraction) => progress.push(fraction) });
    const seconds = (performance.now() - started) / 1000;
    expect(statSync(path).size).toBeGreaterThan(50 * 1024 * 1024);
    expect(analysis.rows).toBe(rows);
    expect(analysis.detection).toMatchObject({ textColumn: 'review', labelColumn: 'label', idColumns: ['id'], task: 'classification' });
    expect(analysis.detection.labels).toHaveLength(4);
    const review = analysis.columns.find((column) => column.name === 'review')!;
    expect(review.distinctCapped).toBe(true);
    expect(review.distinct).toBe(10_000);
    expect(analysis.detection.warnings.map((warning) => warning.code)).not.toContain('TEXT_DUPLICATES');
    expect(progress.length).toBeGreaterThan(40);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(1);
    console.log(`large CSV: ${rows} rows, ${(statSync(path).size / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s`);
  });

  it('never holds the file whole: the same import succeeds in a process whose heap is capped at 40 MB', () => {
    const script = `const { analyzeDatasetFile } = await import(${JSON.stringify(ANALYZE)}); const a = await analyzeDatasetFile(process.argv[1], { tableDir: process.argv[2] }); console.log(JSON.stringify({ rows: a.rows }));`;
    const folder = tableFolder(scratch, 'capped');
    const output = execFileSync(process.execPath, ['--max-old-space-size=40', '--import', 'tsx', '--input-type=module', '-e', script, path, folder], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ rows });
  });
});
