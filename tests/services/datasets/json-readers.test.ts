/** JSON Lines and `.json` arrays: layouts, numbers kept as written, any key a column, bounded nesting and size. */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeDatasetFile } from '../../../electron/services/datasets/analyze.ts';
import { MAX_NESTING, type Cell } from '../../../electron/services/datasets/cells.ts';
import { JsonlParser, type JsonReadOptions } from '../../../electron/services/datasets/jsonl-reader.ts';
import { TableBuilder } from '../../../electron/services/datasets/table.ts';
import { expectFailure, FIXTURES, makeScratch, readTable, tableFolder } from './helpers.ts';

const ANALYZE = join(import.meta.dirname, '../../../electron/services/datasets/analyze.ts');
const scratch = makeScratch();
afterAll(() => scratch.cleanup());
const { write, out } = scratch;

/** Reads `text` in pieces of `size` characters into a real TableBuilder; returns the column names and rows of cells. */
function parseRecords(text: string, options: JsonReadOptions = {}, size = text.length): { names: string[]; rows: Cell[][]; lines: number[] } {
  const rows: Cell[][] = [];
  const lines: number[] = [];
  const table = new TableBuilder({ push: (cells) => rows.push(cells), drain: async () => undefined });
  const parser = new JsonlParser((record, line) => {
    table.addRecord(record);
    lines.push(line);
  }, options);
  for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
  parser.end();
  return { names: table.names, rows, lines };
}

const tickets = Array.from({ length: 12 }, (_, i) => ({ id: i, text: `ticket number ${i} about ${i % 2 ? 'a refund' : 'a login'}`, label: i % 2 ? 'billing' : 'account' }));

describe('a .json file holding one array of objects', () => {
  it('pretty-printed or on one line, in any chunking: the same rows, each with the line it starts on', () => {
    const pretty = JSON.stringify(tickets, null, 2);
    const compact = JSON.stringify(tickets);
    const expected = tickets.map((ticket) => [String(ticket.id), ticket.text, ticket.label]);
    for (const [text, size] of [[pretty, 1], [pretty, 7], [compact, 5], [compact, compact.length]] as const) {
      const table = parseRecords(text, { arrays: true }, size);
      expect(table.names).toEqual(['id', 'text', 'label']);
      expect(table.rows).toEqual(expected);
    }
    expect(parseRecords(pretty, { arrays: true }).lines.slice(0, 3)).toEqual([2, 7, 12]);
  });

  it('imports through the same path as other files, as its rows', async () => {
    const analysis = await analyzeDatasetFile(write('tickets.json', `\n  ${JSON.stringify(tickets, null, 4)}\n`));
    expect(analysis).toMatchObject({ rows: 12, detection: { textColumn: 'text', labelColumn: 'label', task: 'classification' } });
    expect(analysis.preview[0]).toEqual({ id: '0', text: 'ticket number 0 about a login', label: 'account' });
  });

  it('the handed case: 20 tickets, four queues of five', async () => {
    const path = join(FIXTURES, 'json-array-tickets.json');
    const text = readFileSync(path, 'utf8');
    const analysis = await analyzeDatasetFile(path);
    expect(analysis.rows).toBe(20);
    const queues = JSON.parse(text).map((row: { queue: string }) => row.queue);
    const counts = Object.fromEntries(['billing', 'technical', 'shipping', 'account'].map((queue) => [queue, queues.filter((q: string) => q === queue).length]));
    expect(counts).toEqual({ billing: 5, technical: 5, shipping: 5, account: 5 });
    expect(analysis.columns.find((column) => column.name === 'queue')).toMatchObject({ distinct: 4, missing: 0 });
  });

  it('a .json file of JSON Lines still imports as JSON Lines', async () => {
    const analysis = await analyzeDatasetFile(write('lines.json', tickets.map((ticket) => JSON.stringify(ticket)).join('\n')));
    expect(analysis).toMatchObject({ format: 'jsonl', rows: 12 });
  });

  it('with Latin-1 bytes: the canonical table holds the text as UTF-8 and the numbers as written', async () => {
    const text = `[{"text": "caf\xe9 1", "label": 9007199254740993}, {"text": "caf\xe9 2", "label": 9007199254740992}, {"text": "caf\xe9 3", "label": 1e999}]`;
    const folder = tableFolder(scratch, 'latin-table');
    const analysis = await analyzeDatasetFile(write('latin.json', Buffer.from(text, 'latin1')), { tableDir: folder });
    expect(analysis).toMatchObject({ encoding: 'latin-1', rows: 3 });
    // the cells as written, then the label column's derived canonical numbers
    expect(readTable(folder).rows).toEqual([
      ['café 1', '9007199254740993', '9007199254740993'],
      ['café 2', '9007199254740992', '9007199254740992'],
      ['café 3', '1e999', '1e999'],
    ]);
  });

  it('an empty array holds no records', async () => {
    await expectFailure(write('empty.json', '[\n]\n'), out, 'DATASET_EMPTY');
  });
});

describe('a .json file that is neither JSON Lines nor one array of objects says so', () => {
  const cases: [string, string, RegExp][] = [
    ['a pretty-printed object', JSON.stringify({ data: tickets }, null, 2), /neither JSON Lines nor one JSON array of objects \(line 1 is not a complete JSON object/],
    ['a single string', '"just text"\n', /neither JSON Lines nor one JSON array of objects \(line 1 holds a string/],
    ['an array of numbers', '[\n  1,\n  2\n]', /Item 1 of the array in numbers\.json \(line 2\) is not an object \(it holds a number\)/],
    ['an array of arrays', '[["a", "b"]]', /Item 1 of the array in nested\.json \(line 1\) is not an object/],
    ['a truncated array', `${JSON.stringify(tickets, null, 2).slice(0, 200)}`, /is not valid JSON at line \d+ \(the text ends/],
    ['a trailing comma', '[\n {"text": "a", "label": "b"},\n]', /at line 3 \(the array ends with a "," after item 1\)/],
    ['text after the array', '[{"text": "a", "label": "b"}]\n[{"text": "c"}]', /at line 2 \(more follows after the array ends\)/],
    ['a broken item', '[\n {"text": "a", "label": "b"},\n {"text" "c"}\n]', /at line 3 \(expected ":" after the name "text"/],
  ];
  const names = ['object.json', 'string.json', 'numbers.json', 'nested.json', 'truncated.json', 'comma.json', 'after.json', 'broken.json'];
  cases.forEach(([what, text, message], i) => {
    it(what, async () => {
      const error = await expectFailure(write(names[i], text), out, 'DATASET_JSON_INVALID', message);
      expect(error.hint).toMatch(/array of objects/);
    });
  });

  it('a .json file of JSON Lines broken on a later line names that line, as JSON Lines', async () => {
    const lines = tickets.map((ticket) => JSON.stringify(ticket));
    lines[5] = '{"text": "cut short", ';
    await expectFailure(write('later.json', lines.join('\n')), out, 'DATASET_JSONL_INVALID_LINE', /^Line 6 is not valid JSON/);
  });

  it('a .jsonl file holding an array is told to be named .json', async () => {
    const error = await expectFailure(write('array.jsonl', JSON.stringify(tickets)), out, 'DATASET_JSONL_INVALID_LINE', /^Line 1 is not a JSON object/);
    expect(error.hint).toMatch(/name it \.json/);
  });
});

describe('JSON numbers keep their source text', () => {
  it('1e999, -0, 1.0 and integers past 2^53 reach the table as written', () => {
    const labels = ['1e999', '-0', '1.0', '9007199254740993', '9007199254740992', '-1E-400'];
    const lines = labels.map((label, i) => `{"text": "row ${i}", "label": ${label}, "scores": [${label}, 2]}`).join('\n');
    const { rows } = parseRecords(lines);
    expect(rows.map((row) => row[1])).toEqual(labels);
    expect(rows[0][2]).toEqual(['1e999', '2']);
    const array = parseRecords(`[${labels.map((label) => `{"label": ${label}}`).join(',')}]`, { arrays: true });
    expect(array.rows.map((row) => row[0])).toEqual(labels);
  });

  it('integers past 2^53 stay distinct values in the profile', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => `{"text": "row ${i}", "label": ${i % 2 ? '9007199254740993' : '9007199254740992'}}`).join('\n');
    const analysis = await analyzeDatasetFile(write('big-ints.jsonl', lines));
    expect(analysis.columns[1].distinct).toBe(2);
    expect(analysis.preview.slice(0, 2).map((row) => row.label)).toEqual(['9007199254740992', '9007199254740993']);
  });
});

describe('any key is a column name', () => {
  const record = (i: number) => `{"": "blank ${i}", "__proto__": "proto ${i}", "constructor": "made ${i}", "text": "row ${i}", "label": "${i % 2 ? 'a' : 'b'}"}`;
  const expected = ['Unnamed: 0', '__proto__', 'constructor', 'text', 'label'];

  it('in JSON Lines and .json arrays: blank keys renamed in the header and the data, __proto__ values kept', async () => {
    const lines = await analyzeDatasetFile(write('keys.jsonl', Array.from({ length: 12 }, (_, i) => record(i)).join('\n')));
    const array = await analyzeDatasetFile(write('keys.json', `[${Array.from({ length: 12 }, (_, i) => record(i)).join(',\n')}]`));
    for (const analysis of [lines, array]) {
      expect(analysis.columns.map((column) => [column.name, column.missing])).toEqual(expected.map((name) => [name, 0]));
      expect(Object.entries(analysis.preview[1])).toEqual([['Unnamed: 0', 'blank 1'], ['__proto__', 'proto 1'], ['constructor', 'made 1'], ['text', 'row 1'], ['label', 'a']]);
    }
  });

  it('nested objects keep such keys too', () => {
    const { rows } = parseRecords('{"meta": {"__proto__": {"x": 1}, "": 2, "constructor": null}}');
    expect(rows[0][0]).toBe('{"__proto__":{"x":1},"":2,"constructor":null}');
  });

  it('in CSV: a blank header name is renamed and its values stay in that column', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `blank ${i},proto ${i},made ${i},row ${i},${i % 2 ? 'a' : 'b'}\n`).join('');
    const analysis = await analyzeDatasetFile(write('keys.csv', `,__proto__,constructor,text,label\n${rows}`));
    expect(analysis.columns.map((column) => [column.name, column.missing])).toEqual(expected.map((name) => [name, 0]));
    expect(analysis.preview[0]['__proto__']).toBe('proto 0');
  });
});

describe('deep nesting is refused by line, never recursed into', () => {
  const deep = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

  it('a JSON Lines value thousands of levels deep: DATASET_VALUE_TOO_DEEP naming its line', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `{"text": ${i === 3 ? deep(5000) : `"row ${i}"`}, "label": "${i % 2 ? 'a' : 'b'}"}`);
    const error = await expectFailure(write('deep.jsonl', lines.join('\n')), out, 'DATASET_VALUE_TOO_DEEP', /^Line 4 holds a value nested more than 64 levels deep/);
    expect(error.field).toBe('line 4');
  });

  it('in a .json array: names the item and the line it starts on', async () => {
    const text = `[\n{"text": "a", "label": "b"},\n{"text": "c",\n "label": ${deep(100_000)}}\n]`;
    await expectFailure(write('deep.json', text), out, 'DATASET_VALUE_TOO_DEEP', /^Item 2 of the array in deep\.json \(line 3\) holds a value nested more than 64/);
  });

  it('the deepest value accepted is written out as compact JSON text', () => {
    const levels = MAX_NESTING - 1; // the record itself is the first level
    const { rows } = parseRecords(`{"v": ${deep(levels)}}`);
    expect(rows[0][0]).toEqual([deep(levels - 1)]);
    expect(() => parseRecords(`{"v": ${deep(levels + 1)}}`)).toThrow(/nested more than 64 levels/);
  });
});

describe('size limits hold whatever the layout', () => {
  it('one 5 MB string inside a .json array item: DATASET_FIELD_TOO_LARGE naming the item', async () => {
    const text = `[{"text": "short", "label": "a"}, {"text": "${'a'.repeat(5 * 1024 * 1024)}", "label": "b"}]`;
    await expectFailure(write('huge-item.json', text), out, 'DATASET_FIELD_TOO_LARGE', /^Item 2 of the array/);
  });

  it('a 6 MB string as an array item (no object around it) is stopped before it is read whole', async () => {
    await expectFailure(write('huge-string.json', `["${'b'.repeat(6 * 1024 * 1024)}"]`), out, 'DATASET_FIELD_TOO_LARGE', /^Item 1 of the array/);
  });

  it('a .json array of 6 MB on one line is fine: the limit is per record, not per line', () => {
    const item = JSON.stringify({ text: 'x'.repeat(1000), label: 'a' });
    const text = `[${Array.from({ length: 6000 }, () => item).join(',')}]`;
    expect(text.length).toBeGreaterThan(6_000_000);
    expect(parseRecords(text, { arrays: true }, 1024 * 1024).rows).toHaveLength(6000);
  });
});

describe('a large .json array is streamed, not loaded whole', () => {
  it('~30 MB pretty-printed imports in a process whose heap is capped below the file size', async () => {
    const path = join(scratch.dir, 'large.json');
    const stream = createWriteStream(path);
    stream.write('[\n');
    const rows = 140_000;
    for (let i = 0; i < rows; i++) {
      const record = { id: i, text: `ticket ${i}: ${'the printer will not print again after the update '.repeat(3)}`, label: ['billing', 'technical', 'shipping'][i % 3] };
      if (!stream.write(`${JSON.stringify(record, null, 2)}${i + 1 < rows ? ',' : ''}\n`)) await once(stream, 'drain');
    }
    stream.end(']\n');
    await once(stream, 'finish');
    expect(statSync(path).size).toBeGreaterThan(28 * 1024 * 1024);
    // Holding the file whole (as text, let alone parsed) needs more than this heap; streaming it needs a fraction.
    const script = `const { analyzeDatasetFile } = await import(${JSON.stringify(ANALYZE)}); const a = await analyzeDatasetFile(process.argv[1]); console.log(JSON.stringify({ rows: a.rows, labels: a.detection.labels.length }));`;
    const output = execFileSync(process.execPath, ['--max-old-space-size=24', '--import', 'tsx', '--input-type=module', '-e', script, path], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ rows, labels: 3 });
  });
});
