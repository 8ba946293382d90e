/**
 * One reading of every dataset: each messy file goes through import (TypeScript) and then through the
 * trainer's own reader (Python, airlock_trainer.dataset.clean on the canonical table). Per file, both
 * sides must agree on the rows, the text of every row, the label set and the per-label row counts.
 * Grow CORPUS with every kind of file that ever made them disagree.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeDatasetFile } from '../../electron/services/datasets/analyze.ts';

const ROOT = join(import.meta.dirname, '../..');
const PYTHON = join(ROOT, '.venv/bin/python');
const CASES_DIR = join(ROOT, '../shared/cases/one-reading');
const FIXTURES = join(ROOT, 'tests/fixtures/datasets');
const work = mkdtempSync(join(tmpdir(), 'airlock-one-reading-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The trainer's reading of a canonical table: every kept row's text and label, as it trains on them. */
const TRAINER_READ = `
import json, sys
from airlock_trainer import config as config_module
from airlock_trainer.dataset import clean
from airlock_trainer.table import read_table
from airlock_trainer.tasks import task_for
folder, data = sys.argv[1], json.loads(sys.argv[2])
config = config_module.validate({"model": {"task": data.pop("task")}, "data": {"train_path": folder, **data}})
task = task_for(config)
rows = clean(read_table(folder, "data.train_path"), config["data"], "data.train_path", task)
print(json.dumps({"texts": list(rows["text"]), "labels": list(rows["label"])}))
`;

function trainerRead(folder: string, data: Record<string, unknown>): { texts: string[]; labels: (string | string[] | number)[] } {
  const output = execFileSync(PYTHON, ['-c', TRAINER_READ, folder, JSON.stringify(data)], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: join(ROOT, 'trainer'), HF_HUB_OFFLINE: '1' },
  });
  return JSON.parse(output.trim().split('\n').at(-1)!);
}

/** Row counts per label as the trainer sees them: a label once per row that carries it. */
function countLabels(labels: (string | string[] | number)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const label of labels) for (const name of Array.isArray(label) ? label : [String(label)]) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) || value.trim() !== value ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A CSV of (text, label) rows; null writes an empty cell. */
function csv(rows: [string | null, string | null][], header = 'text,label'): string {
  return `${header}\n${rows.map((row) => row.map((cell) => (cell === null ? '' : csvCell(cell))).join(',')).join('\n')}\n`;
}

interface Case {
  name: string;
  /** A file written for the case, or a path to an existing one. */
  file: { name: string; content: string | Buffer } | { path: string };
  task: 'classification' | 'multi_label' | 'regression';
  /** Labels and their row counts that import shows and the trainer trains on. */
  labels?: Record<string, number>;
  /** The texts of the rows the trainer keeps, in order (when the case knows them). */
  texts?: string[];
  /** Extra config for the trainer (data.label_names). */
  data?: Record<string, unknown>;
  /** Warning codes import must give. */
  warnings?: string[];
}

const spelled = ['1', '1.0', '01', '2', '2.00', '0', '-0', '0.0', '1e0', '2'];
const words = ['None', 'NA', 'billing', 'billing', 'N/A', 'null', 'nan', 'billing'];
const pythonLists = ["['billing', 'refund']", "['shipping']", '["it\'s late", \'billing\']', "['billing', 'billing']", "[]", "['refund']"];

const LATIN = [
  ['Très bon; film\r\nvraiment émouvant du début à la fin', 'positif'],
  ['Un navet sans intérêt, à éviter absolument', 'négatif'],
  ['Acteurs excellents et une musique très réussie', 'positif'],
  ['Scénario creux; je me suis ennuyé tout le long', 'négatif'],
  ['Une belle surprise, je le recommande à tous', 'positif'],
];

const CORPUS: Case[] = [
  {
    name: 'numeric labels written several ways are one class each, with a warning',
    file: { name: 'spellings.csv', content: csv(spelled.map((label, i) => [`review number ${i}`, label])) },
    task: 'classification',
    labels: { '0': 3, '1': 4, '2': 3 },
    texts: spelled.map((_, i) => `review number ${i}`),
    warnings: ['LABEL_SPELLINGS_MERGED'],
  },
  {
    name: 'words such as None and NA are labels; blank cells and blank texts are left out',
    file: { name: 'words.csv', content: csv([...words.map((label, i): [string, string] => [`ticket ${i}`, label]), ['ticket 8', null], ['   ', 'billing'], ['ticket 10', '  ']]) },
    task: 'classification',
    labels: { billing: 3, None: 1, NA: 1, 'N/A': 1, null: 1, nan: 1 },
    texts: words.map((_, i) => `ticket ${i}`),
    warnings: ['LABEL_LOOKS_MISSING', 'LABELS_MISSING_SOME', 'TEXT_EMPTY_SOME'],
  },
  {
    name: 'Python list text as DataFrame.to_csv writes it, a label repeated in a cell counted once',
    file: { name: 'python-lists.csv', content: csv(pythonLists.map((tags, i) => [`message ${i}`, tags]), 'text,tags') },
    task: 'multi_label',
    labels: { billing: 3, refund: 2, shipping: 1, "it's late": 1 },
    texts: pythonLists.map((_, i) => `message ${i}`),
  },
  {
    name: '0/1 vectors are positional labels, named by data.label_names',
    file: { name: 'vectors.csv', content: csv(['[1, 0, 1]', '[0, 1, 0]', '[1, 1, 0]', '[0, 0, 0]', '[1, 0, 0]'].map((cell, i) => [`note ${i}`, cell]), 'text,flags') },
    task: 'multi_label',
    labels: { label_0: 3, label_1: 2, label_2: 1 },
    data: { label_names: ['urgent', 'legal', 'vip'] },
    warnings: ['LABEL_VECTOR_POSITIONS'],
  },
  {
    name: 'separated labels (| and ;) with stray spaces and repeats',
    file: { name: 'separated.csv', content: csv([['a', 'x|y'], ['b', ' y | x |'], ['c', 'z'], ['d', 'x|x'], ['e', 'y|z'], ['f', 'x']], 'text,tags') },
    task: 'multi_label',
    labels: { x: 4, y: 3, z: 2 },
    texts: ['a', 'b', 'c', 'd', 'e', 'f'],
  },
  {
    name: 'a .json file holding one pretty-printed array, numbers as labels kept as written',
    file: {
      name: 'numbers.json',
      content: JSON.stringify(
        ['9007199254740993', '9007199254740992', '9007199254740993', '1e999', '7', '7.0'].map((label, i) => ({ text: `row ${i}`, label: `§${label}§` })),
        null,
        2,
      ).replace(/"§(.*?)§"/g, '$1'),
    },
    task: 'classification',
    labels: { '9007199254740993': 2, '9007199254740992': 1, '1e999': 1, '7': 2 },
    texts: ['row 0', 'row 1', 'row 2', 'row 3', 'row 4', 'row 5'],
  },
  {
    name: 'JSON Lines with native lists, nulls and a __proto__ column as the label',
    file: {
      name: 'proto.jsonl',
      // pairs, not object literals: in a literal, __proto__ would set the prototype
      content: ([['first', ['a', 'b']], ['second', ['b']], ['third', null], ['fourth', ['a', 'a']], [null, ['b']], ['sixth', []]] as const)
        .map(([text, labels]) => `{"text": ${JSON.stringify(text)}, "__proto__": ${JSON.stringify(labels)}}`)
        .join('\n'),
    },
    task: 'multi_label',
    labels: { a: 2, b: 2 },
    texts: ['first', 'second', 'fourth', 'sixth'],
  },
  {
    name: 'Latin-1 with semicolons, CRLF and a quoted newline',
    file: { name: 'latin1.csv', content: Buffer.from(`texte;étiquette\r\n${LATIN.map(([text, label]) => `"${text}";${label}`).join('\r\n')}\r\n`, 'latin1') },
    task: 'classification',
    labels: { positif: 3, 'négatif': 2 },
    texts: LATIN.map(([text]) => text),
  },
  {
    name: 'one row with a list among single labels makes the column multi-label, never 31 counts for 30 rows',
    file: { name: 'one-list.jsonl', content: ['a', 'b', 'c', 'a', 'b', ['a', 'b']].map((label, i) => JSON.stringify({ text: `row ${i}`, label })).join('\n') },
    task: 'multi_label',
    labels: { a: 3, b: 3, c: 1 },
    texts: ['row 0', 'row 1', 'row 2', 'row 3', 'row 4', 'row 5'],
  },
  { name: 'Parquet with JSON-array labels', file: { path: join(FIXTURES, 'multilabel.parquet') }, task: 'multi_label' },
  { name: 'labels differing by case and spaces stay apart, rows without text are left out', file: { path: join(FIXTURES, 'messy-labels.csv') }, task: 'classification' },
  { name: 'handed case: a JSON array of tickets', file: { path: join(CASES_DIR, '02-json-array-tickets.json') }, task: 'classification', labels: { billing: 5, technical: 5, shipping: 5, account: 5 } },
  { name: 'handed case: float spellings of integer labels', file: { path: join(CASES_DIR, '03-float-string-labels.csv') }, task: 'classification', labels: { '0': 12, '1': 8, '2': 10 } },
  { name: 'handed case: Python list multi-label', file: { path: join(CASES_DIR, '05-python-list-multilabel.csv') }, task: 'multi_label', labels: { billing: 11, refund: 9, shipping: 9, account: 9 } },
  { name: 'handed case: six tiny rows', file: { path: join(CASES_DIR, '10-tiny-six-rows.csv') }, task: 'classification', labels: { positive: 3, negative: 3 } },
];

describe('one reading: import and the trainer agree on every file of the corpus', () => {
  for (const entry of CORPUS) {
    it(entry.name, async () => {
      const folder = join(work, entry.name.replace(/\W+/g, '-').slice(0, 60));
      mkdirSync(folder);
      let path: string;
      if ('path' in entry.file) path = entry.file.path;
      else {
        path = join(folder, entry.file.name);
        writeFileSync(path, entry.file.content);
      }
      const tableDir = join(folder, 'table');
      mkdirSync(tableDir);
      const analysis = await analyzeDatasetFile(path, { tableDir });
      const { detection } = analysis;
      expect(detection.task).toBe(entry.task);
      const shown = Object.fromEntries(detection.labels.map(({ label, count }) => [label, count]));
      if (entry.labels) expect(shown).toEqual(entry.labels);
      for (const code of entry.warnings ?? []) expect(detection.warnings.map((warning) => warning.code)).toContain(code);

      const trained = trainerRead(tableDir, { task: entry.task, text_column: detection.textColumn, label_column: detection.labelColumn, ...entry.data });
      // The same labels with the same row counts (vector positions under the names the config gives them),
      // and (where the case knows them) the same texts in order.
      const names = (entry.data?.label_names as string[] | undefined) ?? [];
      const renamed = Object.fromEntries(Object.entries(shown).map(([label, count]) => [names[Number(label.replace('label_', ''))] ?? label, count]));
      expect(countLabels(trained.labels)).toEqual(renamed);
      if (entry.texts) expect(trained.texts).toEqual(entry.texts);
      // Rows: import keeps a row when it has a text and a label; the trainer trains on exactly those.
      expect(trained.texts.length).toBe(trained.labels.length);
      expect(trained.texts.length).toBeLessThanOrEqual(analysis.rows);
    });
  }
});
