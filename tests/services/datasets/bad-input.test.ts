import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectFailure, FIXTURES, makeScratch } from './helpers.ts';

const scratch = makeScratch();
afterAll(() => scratch.cleanup());
const { write, out } = scratch;

/** Rows of plausible, varied text with two labels, so only the planted problem is wrong. */
function goodRows(count: number, delimiter = ','): string {
  let text = '';
  for (let i = 0; i < count; i++) text += `example number ${i} with some words${delimiter}${i % 2 ? 'yes' : 'no'}\n`;
  return text;
}

describe('bad input fails fast with a stable code and leaves nothing behind', () => {
  it('missing file: FILE_NOT_FOUND', async () => {
    await expectFailure(join(scratch.dir, 'nope.csv'), out, 'FILE_NOT_FOUND');
  });

  it('unknown extension: DATASET_FORMAT_UNSUPPORTED', async () => {
    await expectFailure(write('data.xlsx', 'text,label\na,b\n'), out, 'DATASET_FORMAT_UNSUPPORTED', /\.xlsx/);
  });

  it('empty file: DATASET_EMPTY', async () => {
    await expectFailure(write('empty.csv', ''), out, 'DATASET_EMPTY');
  });

  it('only blank lines and a byte order mark: DATASET_EMPTY', async () => {
    await expectFailure(write('blank.csv', '\uFEFF\n\r\n  \n'), out, 'DATASET_EMPTY');
  });

  it('header only: DATASET_HEADER_ONLY', async () => {
    await expectFailure(write('header.csv', 'text,label\r\n'), out, 'DATASET_HEADER_ONLY');
  });

  it('binary garbage: DATASET_BINARY', async () => {
    const bytes = new Uint8Array(200_000);
    let seed = 42;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    await expectFailure(write('garbage.csv', bytes), out, 'DATASET_BINARY');
  });

  it('an Excel workbook renamed to .csv: DATASET_BINARY with a hint', async () => {
    const error = await expectFailure(write('book.csv', Buffer.from('PK\u0003\u0004rest-of-zip')), out, 'DATASET_BINARY');
    expect(error.hint).toMatch(/Excel/);
  });

  it('a web page saved as .csv: DATASET_HTML', async () => {
    const html = '<!DOCTYPE html>\n<html lang="en"><head><title>data.csv · GitHub</title></head><body>text,label</body></html>\n';
    await expectFailure(write('page.csv', html), out, 'DATASET_HTML');
  });

  it('UTF-16 with a byte order mark: DATASET_ENCODING_UNSUPPORTED, hint to re-save as UTF-8', async () => {
    const body = Buffer.from(`text,label\n${goodRows(10)}`, 'utf16le');
    const error = await expectFailure(write('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), body])), out, 'DATASET_ENCODING_UNSUPPORTED');
    expect(error.hint).toMatch(/UTF-8/);
  });

  it('UTF-16 without a byte order mark: DATASET_ENCODING_UNSUPPORTED', async () => {
    await expectFailure(write('utf16-nobom.tsv', Buffer.from(`text\tlabel\n${goodRows(10, '\t')}`, 'utf16le')), out, 'DATASET_ENCODING_UNSUPPORTED');
  });

  it('unterminated quote: DATASET_UNTERMINATED_QUOTE naming the line where it opened', async () => {
    const path = write('quote.csv', `text,label\n${goodRows(5)}"this quote never closes,no\n${goodRows(5)}`);
    await expectFailure(path, out, 'DATASET_UNTERMINATED_QUOTE', /line 7\b/);
  });

  it('unterminated quote early in a large file: DATASET_UNTERMINATED_QUOTE, not a size error', async () => {
    const path = write('quote-big.csv', `text,label\n${goodRows(3)}"opens here,no\n${goodRows(200_000)}`);
    await expectFailure(path, out, 'DATASET_UNTERMINATED_QUOTE', /line 5\b/);
  });

  it('ragged rows: DATASET_RAGGED_ROWS with line and expected vs found counts', async () => {
    const path = write('ragged.csv', `text,label\n${goodRows(8)}one,two,three\n${goodRows(2)}`);
    const error = await expectFailure(path, out, 'DATASET_RAGGED_ROWS', /Line 10 has 3 fields, but the header has 2/);
    expect(error.field).toBe('line 10');
  });

  it('a missing field deep in a TSV being copied: DATASET_RAGGED_ROWS, the partial copy removed', async () => {
    // Tab-separated input is copied as CSV while it is read, so a few MiB are written before the bad line.
    const rows = 100_000;
    const path = write('ragged-late.tsv', `text\tlabel\n${goodRows(rows, '\t')}only one field\n`);
    await expectFailure(path, out, 'DATASET_RAGGED_ROWS', new RegExp(`Line ${rows + 2} has 1 field, but the header has 2`));
  });

  it('duplicate headers: DATASET_DUPLICATE_HEADERS naming them', async () => {
    const error = await expectFailure(write('dup.csv', `text,label,text,label,x\n${'a,b,c,d,e\n'.repeat(3)}`), out, 'DATASET_DUPLICATE_HEADERS', /"text", "label"/);
    expect(error.details).toEqual(['text', 'label']);
  });

  it('one 64 MB field: DATASET_FIELD_TOO_LARGE', async () => {
    const path = write('huge.csv', Buffer.concat([Buffer.from('text,label\n"'), Buffer.alloc(64 * 1024 * 1024, 'a'), Buffer.from('",x\n')]));
    await expectFailure(path, out, 'DATASET_FIELD_TOO_LARGE', /line 2/);
  });

  it('one 64 MB unquoted field in a JSONL line: DATASET_FIELD_TOO_LARGE', async () => {
    const path = write('huge.jsonl', Buffer.concat([Buffer.from('{"text": "'), Buffer.alloc(64 * 1024 * 1024, 'a'), Buffer.from('", "label": "x"}\n')]));
    await expectFailure(path, out, 'DATASET_FIELD_TOO_LARGE', /Line 1/);
  });

  it('broken JSONL line: DATASET_JSONL_INVALID_LINE with its line number', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => JSON.stringify({ text: `text ${i}`, label: i % 2 ? 'a' : 'b' }));
    lines.splice(4, 0, '', '{"text": "oops", "label": ');
    await expectFailure(write('broken.jsonl', `${lines.join('\n')}\n`), out, 'DATASET_JSONL_INVALID_LINE', /Line 6 is not valid JSON/);
  });

  it('a JSON array saved as .jsonl: DATASET_JSONL_INVALID_LINE with a hint', async () => {
    const error = await expectFailure(write('array.jsonl', '[{"text": "a", "label": "b"}]\n'), out, 'DATASET_JSONL_INVALID_LINE', /Line 1/);
    expect(error.hint).toMatch(/JSON Lines/);
  });

  it('corrupt parquet (random bytes): DATASET_PARQUET_INVALID', async () => {
    await expectFailure(write('random.parquet', Buffer.from('this is not parquet at all, just text')), out, 'DATASET_PARQUET_INVALID');
  });

  it('corrupt parquet (truncated real file): DATASET_PARQUET_INVALID', async () => {
    const bytes = readFileSync(join(FIXTURES, 'reviews.parquet'));
    await expectFailure(write('truncated.parquet', bytes.subarray(0, Math.floor(bytes.length * 0.6))), out, 'DATASET_PARQUET_INVALID');
  });

  it('corrupt parquet (damaged footer metadata): DATASET_PARQUET_INVALID', async () => {
    const bytes = Buffer.from(readFileSync(join(FIXTURES, 'reviews.parquet')));
    const footerLength = bytes.readUInt32LE(bytes.length - 8);
    const footerStart = bytes.length - 8 - footerLength;
    for (let i = footerStart; i < footerStart + footerLength; i += 3) bytes[i] = 0xff;
    await expectFailure(write('damaged.parquet', bytes), out, 'DATASET_PARQUET_INVALID');
  });

  it('Parquet with a schema but no rows: DATASET_HEADER_ONLY', async () => {
    await expectFailure(join(FIXTURES, 'header-only.parquet'), out, 'DATASET_HEADER_ONLY');
  });

  it('a single class: LABEL_COLUMN_SINGLE_CLASS', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `review number ${i} of the film,positive\n`).join('');
    await expectFailure(write('single.csv', `text,label\n${rows}`), out, 'LABEL_COLUMN_SINGLE_CLASS', /"positive"/);
  });

  it('most labels missing: LABEL_COLUMN_MOSTLY_MISSING', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `review number ${i} of the film,${i < 6 ? (i % 2 ? 'pos' : 'neg') : ''}\n`).join('');
    await expectFailure(write('unlabelled.csv', `text,label\n${rows}`), out, 'LABEL_COLUMN_MOSTLY_MISSING', /14 of 20/);
  });

  it('no usable text column: DATASET_NO_TEXT_COLUMN', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i % 3},${(i * 7) % 5}.5,${i % 2 ? 'red' : 'blue'},${i % 2 ? 'a' : 'b'}\n`).join('');
    await expectFailure(write('numbers.csv', `x,y,colour,label\n${rows}`), out, 'DATASET_NO_TEXT_COLUMN');
  });

  it('no label column: DATASET_NO_LABEL_COLUMN', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `"sentence ${i} talks about something else",another free comment ${i * 17}\n`).join('');
    await expectFailure(write('nolabel.csv', `text,comment\n${rows}`), out, 'DATASET_NO_LABEL_COLUMN');
  });

  it('JSON Lines named .csv: DATASET_FORMAT_UNSUPPORTED with a hint to rename', async () => {
    copyFileSync(join(FIXTURES, 'reviews.jsonl'), join(scratch.dir, 'lines.csv'));
    const error = await expectFailure(join(scratch.dir, 'lines.csv'), out, 'DATASET_FORMAT_UNSUPPORTED');
    expect(error.hint).toMatch(/\.jsonl/);
  });

  it('NUL bytes after a clean start: DATASET_BINARY', async () => {
    const path = write('nul.csv', Buffer.concat([Buffer.from(`text,label\n${goodRows(200_000)}`), Buffer.alloc(5000, 0)]));
    await expectFailure(path, out, 'DATASET_BINARY');
  });

  it('a folder instead of a file: FILE_UNREADABLE', async () => {
    await expectFailure(out, out, 'FILE_UNREADABLE');
  });
});
