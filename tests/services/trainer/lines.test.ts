import { describe, expect, it } from 'vitest';
import { LineSplitter, TailBuffer } from '../../../electron/services/trainer/lines.ts';

describe('trainer stdout lines', () => {
  it('keeps partial lines between chunks and handles CRLF and blank lines', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('{"a":');
    splitter.push('1}\r\n\n{"b"');
    expect(lines).toEqual(['{"a":1}']);
    splitter.push(':2}\n{"c":3}');
    splitter.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps only the tail of stderr', () => {
    const tail = new TailBuffer(10);
    tail.push('0123456789');
    tail.push('abc');
    expect(tail.toString()).toBe('3456789abc');
  });
});
