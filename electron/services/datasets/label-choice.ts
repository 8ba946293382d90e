/** Choosing the column to predict, and what kind of task it makes. */
import { AirlockError } from '../../../schemas/errors.ts';
import type { Detection } from '../../../schemas/dataset.ts';
import { CLASS_NAME, LABEL_NAME } from './names.ts';
import { LABEL_SEPARATORS, type ColumnStats } from './profile.ts';

/** The chosen label column, its task, and its label counts (null for regression). */
export interface LabelChoice {
  column: ColumnStats;
  task: Detection['task'];
  counts: Map<string, number> | null;
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
  if (type === 'list') {
    const tokens = column.listTokens;
    return tokens && tokens.size <= MAX_MULTI_LABELS ? { column, task: 'multi_label', counts: tokens } : null;
  }
  if (type === 'integer' || type === 'number') {
    const limit = type === 'number' ? MAX_DECIMAL_CLASSES : CLASS_NAME.test(column.profile.name.trim()) ? MAX_CLASSES : MAX_INTEGER_CLASSES;
    if (column.valueCounts && distinct <= limit && distinct <= Math.max(2, n * share)) return { column, task: 'classification', counts: column.valueCounts };
    return { column, task: 'regression', counts: null };
  }
  for (const separator of LABEL_SEPARATORS) {
    const split = column.separated[separator];
    if (split.tokens && split.cells >= Math.max(2, n * 0.05) && split.tokens.size <= MAX_MULTI_LABELS && split.tokens.size < distinct) {
      return { column, task: 'multi_label', counts: split.tokens };
    }
  }
  if (column.valueCounts && distinct <= Math.min(MAX_CLASSES, Math.max(2, n * share))) {
    return { column, task: 'classification', counts: column.valueCounts };
  }
  return null;
}

/**
 * Picks the label column: a column named like a label (label, category, class, target, topic,
 * sentiment…) wins; otherwise a classification column beats a regression one, then one with more
 * than one class, then the one with fewer missing values, then the column further right.
 */
export function chooseLabel(columns: ColumnStats[]): LabelChoice {
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
