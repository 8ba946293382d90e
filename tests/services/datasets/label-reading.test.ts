import { describe, expect, it } from 'vitest';
import { analyzeDatasetFile } from '../../../electron/services/datasets/analyze.ts';
import { canonicalNumber, parseListText, readLabelCell } from '../../../electron/services/datasets/label-reading.ts';
import { expectFailure, makeScratch } from './helpers.ts';
import { afterAll } from 'vitest';

const scratch = makeScratch();
afterAll(() => scratch.cleanup());

describe('canonical numbers: the same number is one spelling, without a float round trip', () => {
  it.each([
    ['1', '1'], ['1.0', '1'], ['01', '1'], ['1e0', '1'], ['+1', '1'], ['10', '10'], ['1e1', '10'], ['100.00', '100'],
    ['-0', '0'], ['0.0', '0'], ['-1.50', '-1.5'], ['.5', '0.5'], ['5e-3', '0.005'],
    ['9007199254740993', '9007199254740993'], ['9007199254740992', '9007199254740992'],
    ['1e999', '1e999'], ['12e40', '1.2e41'],
  ])('%s is %s', (text, canonical) => expect(canonicalNumber(text)).toBe(canonical));

  it.each(['abc', '1.2.3', '', '.', 'e5', '1e', '0x10', 'Infinity', 'NaN'])('%j is not a number', (text) => expect(canonicalNumber(text)).toBeNull());
});

describe('list text: JSON lists and Python list text as pandas writes it, never evaluated', () => {
  it.each([
    ['["a", "b"]', ['a', 'b'], 'json'],
    ["['billing', 'refund']", ['billing', 'refund'], 'python'],
    ['["it\'s late", \'b\']', ["it's late", 'b'], 'python'],
    ["['a\\'b', \"c\\\\d\"]", ["a'b", 'c\\d'], 'python'],
    ["['a',]", ['a'], 'python'],
    ['[]', [], 'json'],
    ['[1, 0, 1]', ['1', '0', '1'], 'json'],
    ['[True, False]', ['true', 'false'], 'python'],
  ])('%s', (text, items, form) => expect(parseListText(text)).toEqual({ items, form }));

  it.each(["['a', 'b'", "[__import__('os')]", "['a' 'b']", '[{"a": 1}]', "[['nested']]", 'a, b'])('%s is not a list of labels', (text) => {
    expect(parseListText(text)).toBeNull();
  });

  it('a label repeated in one cell is one label; a vector names its positions', () => {
    expect(readLabelCell("['a', 'a', 'b']", { kind: 'list' })).toEqual(['a', 'b']);
    expect(readLabelCell('[1, 0, 1]', { kind: 'vector', width: 3 })).toEqual(['label_0', 'label_2']);
    expect(readLabelCell(' x | y |x', { kind: 'separated', separator: '|' })).toEqual(['x', 'y']);
    expect(readLabelCell('1.0', { kind: 'number' })).toBe('1');
    expect(readLabelCell('None', { kind: 'number' })).toBe('None');
  });
});

describe('a label column of lists with one that cannot be read', () => {
  it('is refused with LABEL_LIST_UNREADABLE naming the row, and nothing is written', async () => {
    const rows = ["['a', 'b']", "['b']", "['a', 'c'", "['c']", "['a']"].map((tags, i) => `text number ${i},"${tags}"`);
    const path = scratch.write('broken-lists.csv', `text,tags\n${rows.join('\n')}\n`);
    const error = await expectFailure(path, scratch.out, 'LABEL_LIST_UNREADABLE', /Row 3 of "tags"/);
    expect(error.hint).toContain("['a', 'b']");
  });

  it('a mix of single labels and lists is multi-label, never one class per combination', async () => {
    const rows = ['billing', "['billing', 'refund']", 'refund', "['shipping']", "['refund', 'billing']", 'shipping'].map((tags, i) => `ticket ${i} text,"${tags}"`);
    const analysis = await analyzeDatasetFile(scratch.write('mixed.csv', `text,tags\n${rows.join('\n')}\n`));
    expect(analysis.detection.task).toBe('multi_label');
    expect(analysis.detection.labels).toEqual([{ label: 'billing', count: 3 }, { label: 'refund', count: 3 }, { label: 'shipping', count: 2 }]);
  });
});

describe('rows to label (no labels to learn)', () => {
  it('a file whose texts repeat is read, with no text column guessed, rather than refused', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `same message ${i % 3},${i}`);
    const analysis = await analyzeDatasetFile(scratch.write('repeated.csv', `message,n\n${rows.join('\n')}\n`), { textOnly: true });
    expect(analysis.rows).toBe(30);
    expect(analysis.detection.textColumn).toBeNull();
  });
});
