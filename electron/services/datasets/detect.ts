/** Works out from column statistics what to read, what to predict, and what looks wrong. */
import type { Detection, DatasetWarning, SftDetection } from '../../../schemas/dataset.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import type { ColumnStats } from './profile.ts';
import { chooseLabel, type LabelChoice } from './label-choice.ts';
import { ID_NAME, LABEL_NAME, TEXT_NAME, UNNAMED } from './names.ts';


/** Extra facts from reading the file that detection reports as warnings. */
export interface DetectionContext {
  rows: number;
  /** Bytes that were not valid UTF-8 and were read as Windows-1252. */
  convertedBytes: number;
  /** Only the text column is wanted (rows to predict, which have no labels). */
  textOnly?: boolean;
  /** Label counts from the canonical table (rows the trainer keeps), replacing the profile's counts. */
  labelCounts?: Map<string, number> | null;
}

/** Text and label columns the user chose instead of the detected ones. */
export interface ColumnChoice {
  textColumn: string;
  labelColumn: string;
}

/**
 * Detects modality, task, text and label columns, labels and warnings; throws when the data cannot be trained on.
 * With `choice`, the user's columns are used (and checked) instead of the detected ones.
 */
export function detect(columns: ColumnStats[], context: DetectionContext, choice?: ColumnChoice): Detection {
  return detectWithChoice(columns, context, choice).detection;
}

/** Detection together with the label choice behind it (which column, how its cells are read). */
export function detectWithChoice(columns: ColumnStats[], context: DetectionContext, choice?: ColumnChoice): { detection: Detection; label: LabelChoice | null; text: ColumnStats | null } {
  const warnings: DatasetWarning[] = encodingWarnings(context);
  const chosen = choice ? chosenColumns(columns, choice) : null;
  const ids = columns.filter((column) => isIdColumn(column) && column !== chosen?.text && column !== chosen?.label.column);
  const idColumns = ids.map((column) => column.profile.name);
  if (idColumns.length > 0) {
    const quoted = list(idColumns.map((name) => `"${name}"`));
    const message = idColumns.length === 1 ? `${quoted} looks like a row identifier and is ignored.` : `${quoted} look like row identifiers and are ignored.`;
    warnings.push({ code: 'ID_COLUMNS_IGNORED', message });
  }
  const usable = columns.filter((column) => !ids.includes(column));
  const media = usable.find((column) => column.imageFraction >= 0.8 || column.audioFraction >= 0.8);
  // A column of picture or clip paths is what such a table is about: the model reads those files, not a caption.
  const mediaKind = media ? (media.imageFraction >= 0.8 ? 'image' : 'audio') : null;
  const byFiles = mediaKind !== null && !chosen && !context.textOnly;
  const text = chosen ? chosen.text : byFiles ? null : chooseText(usable.filter((column) => column !== media));
  if (!text && !media && !context.textOnly) {
    throw new AirlockError('DATASET_NO_TEXT_COLUMN', 'Airlock found no column of text to learn from.', {
      hint: 'The file needs a column of free text (one example per row, mostly different from row to row), for example a column named "text".',
      details: columns.map((column) => `${column.profile.name}: ${column.profile.type}, ${column.profile.distinct} distinct values`),
    });
  }
  if (context.textOnly && !chosen) {
    // rows to label need no varied texts (a file may repeat a message): with none found, the user names the column
    const detection: Detection = { modality: text || !media ? 'text' : media.imageFraction >= 0.8 ? 'image' : 'audio', task: 'classification', textColumn: text?.profile.name ?? null, labelColumn: null, labels: [], idColumns, balance: null, sft: null, warnings };
    return { detection, label: null, text };
  }
  const label = chosen ? chosen.label : chooseLabel(usable.filter((column) => column !== text && column !== media));
  validateLabel(label, context.rows);
  const { column, task } = label;
  const counts = context.labelCounts !== undefined ? context.labelCounts : label.counts;
  const labels = counts ? [...counts].map(([name, count]) => ({ label: name, count })).sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1)) : [];
  const balance = labels.length > 0 ? labels[labels.length - 1].count / labels[0].count : null;
  warnings.push(...labelWarnings(column, labels, balance, context.rows));
  warnings.push(...readingWarnings(label, labels));
  if (text) warnings.push(...textWarnings(text));
  const detection: Detection = {
    modality: byFiles || !text ? mediaKind! : 'text',
    task,
    textColumn: byFiles ? media!.profile.name : text?.profile.name ?? null,
    labelColumn: column.profile.name,
    labels,
    idColumns,
    balance: balance === null ? null : Math.round(balance * 1000) / 1000,
    sft: null,
    warnings,
  };
  return { detection, label, text: byFiles ? media! : text };
}

/** Detection of data a causal language model learns to write (task causal_lm), in the shape `sft` found; `roles` counts chat turns. */
export function sftDetection(sft: SftDetection, context: DetectionContext, roles: Map<string, number>): Detection {
  const chatRoles = sft.format === 'chat' ? Object.fromEntries([...roles].sort(([a], [b]) => (a < b ? -1 : 1))) : null;
  return {
    modality: 'text',
    task: 'causal_lm',
    textColumn: sft.format === 'text' ? sft.textColumn : null,
    labelColumn: null,
    labels: [],
    idColumns: [],
    balance: null,
    sft: { ...sft, chatRoles },
    warnings: encodingWarnings(context),
  };
}

function encodingWarnings(context: DetectionContext): DatasetWarning[] {
  if (context.convertedBytes === 0) return [];
  const bytes = context.convertedBytes;
  return [
    {
      code: 'ENCODING_CONVERTED',
      message: `The file is not UTF-8: ${bytes} byte${bytes === 1 ? ' was' : 's were'} read as Latin-1 (Windows-1252) and converted to UTF-8. Check that accented letters look right in the preview.`,
    },
  ];
}

/** The user's text and label columns, checked: both exist, differ, and the label column can be predicted. */
function chosenColumns(columns: ColumnStats[], choice: ColumnChoice): { text: ColumnStats; label: LabelChoice } {
  const find = (name: string, field: string) => {
    const column = columns.find((candidate) => candidate.profile.name === name);
    if (!column) {
      throw new AirlockError('DATASET_COLUMN_MISSING', `The dataset has no column "${name}".`, {
        hint: `Pick one of: ${columns.map((candidate) => candidate.profile.name).join(', ')}.`,
        field,
      });
    }
    return column;
  };
  const text = find(choice.textColumn, 'textColumn');
  const labelColumn = find(choice.labelColumn, 'labelColumn');
  if (text === labelColumn) {
    throw new AirlockError('INVALID_INPUT', `"${choice.textColumn}" cannot be both the text and the label column.`, {
      hint: 'Pick the column the model reads as text, and a different column holding what it should predict.',
      field: 'labelColumn',
    });
  }
  if (text.profile.type !== 'text' && text.profile.type !== 'category') {
    throw new AirlockError('DATASET_NO_TEXT_COLUMN', `"${choice.textColumn}" holds ${text.profile.type} values, not text.`, {
      hint: 'The text column must hold the free text the model reads, one example per row.',
      field: 'textColumn',
    });
  }
  try {
    return { text, label: chooseLabel([labelColumn]) };
  } catch (error) {
    if (!(error instanceof AirlockError) || error.code === 'LABEL_LIST_UNREADABLE') throw error;
    throw new AirlockError('DATASET_NO_LABEL_COLUMN', `"${choice.labelColumn}" cannot be the label column: it has ${labelColumn.profile.distinct} different values and no small set of repeating labels or numbers.`, {
      hint: 'Pick a column holding a label per row (for example positive/negative), a list of labels, or a number to predict.',
      field: 'labelColumn',
    });
  }
}

function isIdColumn(column: ColumnStats): boolean {
  if (column.nonMissing === 0) return false;
  const name = column.profile.name.trim();
  if (LABEL_NAME.test(name) || TEXT_NAME.test(name)) return false;
  if (ID_NAME.test(name)) return true;
  if (UNNAMED.test(name)) return column.integerSequence;
  if (column.integerSequence && column.nonMissing >= 3) return true;
  return column.uuidFraction >= 0.9 && column.distinctExact && column.distinctCount === column.nonMissing;
}

/** The string column with the longest typical text among those that change from row to row. */
export function chooseText(columns: ColumnStats[]): ColumnStats | null {
  let best: ColumnStats | null = null;
  let bestScore = 0;
  for (const column of columns) {
    const { type, textLength } = column.profile;
    const distinct = column.distinctCount;
    if ((type !== 'text' && type !== 'category') || !textLength || column.nonMissing === 0) continue;
    const ratio = column.distinctExact ? distinct / column.nonMissing : 1;
    if (ratio < 0.3 && distinct < 1000) continue;
    const name = column.profile.name.trim();
    const hint = TEXT_NAME.test(name) ? 3 : LABEL_NAME.test(name) ? 0.1 : 1;
    const score = Math.max(textLength.p50, 1) * (0.5 + ratio) * hint;
    if (score > bestScore) [best, bestScore] = [column, score];
  }
  return best;
}

function validateLabel(label: LabelChoice, rows: number): void {
  const { column, counts } = label;
  const name = column.profile.name;
  const missing = rows - column.nonMissing;
  if (missing > rows * 0.5) {
    throw new AirlockError('LABEL_COLUMN_MOSTLY_MISSING', `Most rows have no value in the label column "${name}" (${missing} of ${rows}).`, {
      hint: 'Fill in the labels, or remove the rows without one, and import again.',
      field: name,
    });
  }
  if (counts && counts.size < 2) {
    const only = [...counts.keys()][0];
    throw new AirlockError('LABEL_COLUMN_SINGLE_CLASS', `Every labelled row in "${name}" has the same label${only === undefined ? '' : ` ("${only}")`}, so there is nothing to tell apart.`, {
      hint: 'A classifier needs examples of at least two different labels.',
      field: name,
    });
  }
}

/** Warnings about how many examples each class has (labels most frequent first; balance = smallest ÷ largest). */
export function classCountWarnings(labels: { label: string; count: number }[], balance: number | null): DatasetWarning[] {
  const warnings: DatasetWarning[] = [];
  if (balance !== null && balance < 0.1) {
    const [most, least] = [labels[0], labels[labels.length - 1]];
    warnings.push({
      code: 'LABEL_IMBALANCED',
      message: `The labels are very unbalanced: "${most.label}" has ${most.count} rows but "${least.label}" only ${least.count}. The model may rarely predict the small classes.`,
    });
  }
  const rare = labels.filter((label) => label.count < 5);
  if (rare.length > 0) {
    const named = rare.slice(0, 10).map((label) => `"${label.label}" (${label.count})`);
    warnings.push({
      code: 'LABEL_RARE_CLASSES',
      message: `${rare.length} label${rare.length === 1 ? ' has' : 's have'} fewer than 5 rows: ${named.join(', ')}${rare.length > 10 ? ', …' : ''}. The model cannot learn much from so few examples.`,
    });
  }
  return warnings;
}

function labelWarnings(column: ColumnStats, labels: { label: string; count: number }[], balance: number | null, rows: number): DatasetWarning[] {
  const warnings: DatasetWarning[] = [];
  const groups = new Map<string, string[]>();
  for (const { label } of labels) {
    const key = label.trim().toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), label]);
  }
  const variants = [...groups.values()].filter((group) => group.length > 1);
  if (variants.length > 0) {
    warnings.push({
      code: 'LABEL_CASE_VARIANTS',
      message: `Some labels differ only in capital letters or spaces and count as different classes: ${variants.map((group) => list(group.map((label) => JSON.stringify(label)))).join('; ')}. Make them identical if they mean the same.`,
    });
  }
  warnings.push(...classCountWarnings(labels, balance));
  const missing = rows - column.nonMissing;
  if (missing > 0) {
    warnings.push({ code: 'LABELS_MISSING_SOME', message: `${missing} row${missing === 1 ? ' has' : 's have'} no label in "${column.profile.name}" and will be left out of training.` });
  }
  return warnings;
}

/** Words that often stand for "no value" in exports; as labels they are kept, with a warning. */
const MISSING_WORDS = /^(?:none|na|n\/a|nan|null|nil|missing|undefined|#n\/a|<na>|-|\?)$/i;

/** Warnings about how the label cells were read: merged number spellings, words that look like no value, vectors. */
function readingWarnings(label: LabelChoice, labels: { label: string; count: number }[]): DatasetWarning[] {
  const warnings: DatasetWarning[] = [];
  const present = new Set(labels.map((entry) => entry.label));
  if (label.reading.kind === 'number' && label.task === 'classification') {
    const merged = label.column.mergedSpellings.filter((group) => present.has(group[0]));
    if (merged.length > 0) {
      const groups = merged.slice(0, 10).map((group) => `${list(group.map((spelling) => `"${spelling}"`))} are all ${group[0]}`);
      warnings.push({
        code: 'LABEL_SPELLINGS_MERGED',
        message: `Some labels are the same number written in different ways, and each counts as one class: ${groups.join('; ')}${merged.length > 10 ? '; …' : ''}.`,
      });
    }
  }
  const words = labels.filter((entry) => MISSING_WORDS.test(entry.label.trim()));
  if (words.length > 0) {
    const named = words.map((entry) => `"${entry.label}" (${entry.count} row${entry.count === 1 ? '' : 's'})`);
    warnings.push({
      code: 'LABEL_LOOKS_MISSING',
      message: `${list(named)} ${words.length === 1 ? 'looks' : 'look'} like "no value" but ${words.length === 1 ? 'is' : 'are'} kept as ${words.length === 1 ? 'a label' : 'labels'}, because only an empty cell counts as missing. If ${words.length === 1 ? 'it means' : 'they mean'} "no label", leave those cells empty.`,
    });
  }
  if (label.reading.kind === 'vector') {
    const width = label.reading.width;
    warnings.push({
      code: 'LABEL_VECTOR_POSITIONS',
      message: `The labels are 0/1 vectors with ${width} positions, named label_0 to label_${width - 1} by position. Give them names with data.label_names in the training config.`,
    });
  }
  return warnings;
}

function textWarnings(text: ColumnStats): DatasetWarning[] {
  const warnings: DatasetWarning[] = [];
  const name = text.profile.name;
  if (text.distinctExact) {
    const duplicates = text.nonMissing - text.distinctCount;
    if (duplicates > 0) {
      warnings.push({ code: 'TEXT_DUPLICATES', message: `${duplicates} row${duplicates === 1 ? ' repeats' : 's repeat'} a text that appears earlier in "${name}". Duplicates can make evaluation look better than it is.` });
    }
  }
  if (text.profile.missing > 0) {
    const missing = text.profile.missing;
    warnings.push({ code: 'TEXT_EMPTY_SOME', message: `${missing} row${missing === 1 ? ' has' : 's have'} no text in "${name}" and will be left out of training.` });
  }
  return warnings;
}

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
