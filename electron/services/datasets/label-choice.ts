/** Choosing the column to predict, and what kind of task it makes. */
import { AirlockError } from '../../../schemas/errors.ts';
import type { Detection } from '../../../schemas/dataset.ts';
import { canonicalNumber, type LabelReading } from './label-reading.ts';
import { CLASS_NAME, LABEL_NAME } from './names.ts';
import { LABEL_SEPARATORS, type ColumnStats } from './profile.ts';

/** The chosen label column, its task, its label counts as profiled (null for regression), and how its cells are read. */
export interface LabelChoice {
  column: ColumnStats;
  task: Detection['task'];
  counts: Map<string, number> | null;
  /** How the labels are read: `text` is the column's own cells; any other is its derived label column. */
  reading: LabelReading;
}

/** How a column's cells read as labels, before any separator is considered. */
export function columnReading(column: ColumnStats): LabelReading {
  const { type } = column.profile;
  if (type === 'integer' || type === 'number') return { kind: 'number' };
  if (!holdsLists(column)) return column.mergedSpellings.length > 0 ? { kind: 'number' } : { kind: 'text' }; // "1" and "1.0" among words
  return column.vector && column.vector.width > 0 && column.kinds.list === column.nonMissing ? { kind: 'vector', width: column.vector.width } : { kind: 'list' };
}

/** Value counts with every number under its canonical spelling ("1", "1.0" and "01" counted as "1"). */
function mergeNumberSpellings(counts: Map<string, number>): Map<string, number> {
  const merged = new Map<string, number>();
  for (const [value, count] of counts) {
    const key = canonicalNumber(value) ?? value;
    merged.set(key, (merged.get(key) ?? 0) + count);
  }
  return merged;
}

/**
 * Lists of labels (a plain value among them is a list of one), none unreadable: one row with two labels
 * makes the column multi-label, never a class per combination.
 */
function holdsLists(column: ColumnStats): boolean {
  return column.kinds.list > 0 && column.unreadableListRow === null;
}

/** The separator a column's labels are split on, when it reads as separated multi-label text. */
export function separatorOf(column: ColumnStats): string | null {
  const { type } = column.profile;
  if (type !== 'text' && type !== 'category') return null;
  for (const separator of LABEL_SEPARATORS) {
    const split = column.separated[separator];
    if (split.tokens && split.cells >= Math.max(2, column.nonMissing * 0.05) && split.tokens.size <= MAX_MULTI_LABELS && split.tokens.size < column.distinctCount) return separator;
  }
  return null;
}

/** Refuses a column that mostly holds lists when one of them cannot be read. */
function checkListsReadable(column: ColumnStats): void {
  const row = column.unreadableListRow;
  if (row === null || column.kinds.list < column.nonMissing * 0.5) return;
  throw new AirlockError('LABEL_LIST_UNREADABLE', `Row ${row + 1} of "${column.profile.name}" looks like a list of labels but cannot be read as one.`, {
    hint: 'Write each list the same way: ["a", "b"] (JSON), [\'a\', \'b\'] (as pandas saves lists), a|b or a;b, or a 0/1 vector such as [1, 0, 1].',
    field: column.profile.name,
  });
}

/** Most classes a single-label column may have. */
const MAX_CLASSES = 1000;
/** Most labels a multi-label column may have. */
const MAX_MULTI_LABELS = 200;
/** Integer columns with more distinct values than this are regression targets, unless named like classes (label, class, topic…). */
const MAX_INTEGER_CLASSES = 50;
/** Decimal columns with more distinct values than this are regression targets. */
const MAX_DECIMAL_CLASSES = 10;

/** How a column could serve as the label, or null when it cannot. */
function asLabel(column: ColumnStats): LabelChoice | null {
  const { type } = column.profile;
  const n = column.nonMissing;
  const distinct = column.distinctCount;
  const named = LABEL_NAME.test(column.profile.name.trim());
  if (n === 0) return null;
  // a column named like a label may have as many classes as rows (tiny files); others must repeat values
  const share = named ? 1 : 0.5;
  const reading = columnReading(column);
  if (reading.kind === 'list' || reading.kind === 'vector') {
    const tokens = reading.kind === 'vector' ? column.vector!.counts : column.listTokens;
    return tokens && tokens.size <= MAX_MULTI_LABELS ? { column, task: 'multi_label', counts: tokens, reading } : null;
  }
  const counts = column.valueCounts && reading.kind === 'number' ? mergeNumberSpellings(column.valueCounts) : column.valueCounts;
  if (reading.kind === 'number' && (type === 'integer' || type === 'number')) {
    const classes = counts?.size ?? distinct;
    const limit = type === 'number' ? MAX_DECIMAL_CLASSES : CLASS_NAME.test(column.profile.name.trim()) ? MAX_CLASSES : MAX_INTEGER_CLASSES;
    if (counts && classes <= limit && classes <= Math.max(2, n * share)) return { column, task: 'classification', counts, reading };
    return { column, task: 'regression', counts: null, reading };
  }
  const separator = separatorOf(column);
  if (separator !== null) return { column, task: 'multi_label', counts: column.separated[separator].tokens, reading: { kind: 'separated', separator } };
  if (counts && counts.size <= Math.min(MAX_CLASSES, Math.max(2, n * share))) return { column, task: 'classification', counts, reading };
  return null;
}

/**
 * Picks the label column: a column named like a label (label, category, class, target, topic,
 * sentiment…) wins; otherwise a classification column beats a regression one, then one with more
 * than one class, then the one with fewer missing values, then the column further right.
 */
export function chooseLabel(columns: ColumnStats[]): LabelChoice {
  if (columns.length === 1) checkListsReadable(columns[0]);
  else columns.filter((column) => LABEL_NAME.test(column.profile.name.trim())).forEach(checkListsReadable);
  const choices = columns.map(asLabel).filter((choice): choice is LabelChoice => choice !== null);
  const rank = (choice: LabelChoice) => [
    LABEL_NAME.test(choice.column.profile.name.trim()) ? 1 : 0,
    /^labels?$/i.test(choice.column.profile.name.trim()) ? 1 : 0,
    choice.task === 'regression' ? 0 : 1,
    choice.counts === null || choice.counts.size >= 2 ? 1 : 0,
    choice.column.nonMissing,
  ];
  let best: LabelChoice | null = null;
  let bestRank: number[] = [];
  for (const choice of choices) {
    const r = rank(choice);
    if (!best || compare(r, bestRank) >= 0) [best, bestRank] = [choice, r];
  }
  if (!best) {
    throw new AirlockError('DATASET_NO_LABEL_COLUMN', 'Airlock found no column to predict: no column has a small set of repeating labels or numbers.', {
      hint: 'Add a column named "label" holding the class of each row (for example positive/negative).',
      details: columns.map((column) => `${column.profile.name}: ${column.profile.type}, ${column.profile.distinct} distinct values`),
    });
  }
  return best;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
