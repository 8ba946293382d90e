import { describe, expect, it } from 'vitest';
import { CsvParser, sniffDelimiter } from '../../../electron/services/datasets/csv-reader.ts';
import { Utf8OrLatin1Decoder } from '../../../electron/services/datasets/encoding.ts';
import { SourceNumber } from '../../../electron/services/datasets/cells.ts';
import { JsonlParser } from '../../../electron/services/datasets/jsonl-reader.ts';
import { delimitedRecord } from '../../../electron/services/util/csv-cells.ts';

function parseAll(text: string, delimiter = ',', pieces: string[] = [text]): [string[], number][] {
  const rows: [string[], number][] = [];
  const parser = new CsvParser(delimiter, (fields, line) => rows.push([fields, line]));
  for (const piece of pieces) parser.push(piece);
  parser.end();
  return rows;
}

const TRICKY = 'a,b,c\r\n"x, y","say ""hi""",\r\n\r\n"multi\nline\r\nvalue",2,"3"\nplain "quote" inside,"closed"tail,\n"",,last';

describe('CsvParser', () => {
  it('reads quoting, doubled quotes, CRLF, blank lines and empty fields as pandas does', () => {
    expect(parseAll(TRICKY)).toEqual([
      [['a', 'b', 'c'], 1],
      [['x, y', 'say "hi"', ''], 2],
      [['multi\nline\r\nvalue', '2', '3'], 4],
      [['plain "quote" inside', 'closedtail', ''], 7],
      [['', '', 'last'], 8],
    ]);
  });

  it('gives the same rows however the text is split into chunks', () => {
    const whole = parseAll(TRICKY);
    for (let cut = 1; cut < TRICKY.length; cut++) {
      expect(parseAll(TRICKY, ',', [TRICKY.slice(0, cut), TRICKY.slice(cut)]), `cut at ${cut}`).toEqual(whole);
    }
    expect(parseAll(TRICKY, ',', [...TRICKY])).toEqual(whole);
  });

  it('round-trips through the CSV writer of predictions', () => {
    const rows = parseAll(TRICKY).map(([fields]) => fields);
    const written = rows.map((fields) => delimitedRecord(fields, ',')).join('');
    expect(parseAll(written).map(([fields]) => fields)).toEqual(rows);
  });
});

describe('sniffDelimiter', () => {
  it('finds ";", tab and "|" and ignores delimiters inside quotes', () => {
    expect(sniffDelimiter('a;b;c\n1;"2,5";3\n4;5;6\n', ',', true)).toBe(';');
    expect(sniffDelimiter('a\tb\nx, y\tz\n', ',', true)).toBe('\t');
    expect(sniffDelimiter('a|b\n1|2\n', ',', true)).toBe('|');
    expect(sniffDelimiter('text,label\n"hello; world",x\n"a; b; c",y\n', ',', true)).toBe(',');
  });

  it('keeps the preferred delimiter for a single column', () => {
    expect(sniffDelimiter('text\nhello\nworld\n', ',', true)).toBe(',');
  });
});

describe('Utf8OrLatin1Decoder', () => {
  it('decodes UTF-8 split inside a multi-byte character without converting anything', () => {
    const bytes = Buffer.from('héllo → 😀 wörld');
    for (let cut = 1; cut < bytes.length; cut++) {
      const decoder = new Utf8OrLatin1Decoder();
      const text = decoder.decode(bytes.subarray(0, cut)) + decoder.decode(bytes.subarray(cut)) + decoder.end();
      expect(text).toBe('héllo → 😀 wörld');
      expect(decoder.convertedBytes).toBe(0);
    }
  });

  it('reads invalid bytes as Windows-1252, including at the very end', () => {
    const decoder = new Utf8OrLatin1Decoder();
    const text = decoder.decode(Buffer.from('caf\xe9 \x93ok\x94 \x80', 'latin1')) + decoder.decode(Buffer.from('\xe9', 'latin1')) + decoder.end();
    expect(text).toBe('café “ok” €é');
    expect(decoder.convertedBytes).toBe(5);
  });

  it('keeps valid UTF-8 in a file that also has Latin-1 bytes', () => {
    const decoder = new Utf8OrLatin1Decoder();
    const bytes = Buffer.concat([Buffer.from('naïve '), Buffer.from('na\xefve', 'latin1')]);
    expect(decoder.decode(bytes) + decoder.end()).toBe('naïve naïve');
    expect(decoder.convertedBytes).toBe(1);
  });
});

describe('JsonlParser', () => {
  it('reads objects across chunks, skips blank lines and counts lines', () => {
    const seen: [unknown, number][] = [];
    const parser = new JsonlParser((record, line) => seen.push([Object.fromEntries(record), line]));
    const text = '{"a": 1}\r\n\n  \n{"a": "x\\ny"}\n{"a": [1, 2]}';
    for (const char of text) parser.push(char);
    parser.end();
    const n = (text: string) => new SourceNumber(text);
    expect(seen).toEqual([[{ a: n('1') }, 1], [{ a: 'x\ny' }, 4], [{ a: [n('1'), n('2')] }, 5]]);
  });
});
