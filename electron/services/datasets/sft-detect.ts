/**
 * Finds the supervised fine-tuning (SFT) shape of a table from its column names: prompt/completion pairs
 * (also Alpaca's instruction + input + output, and question/answer), a chat messages column, or (only when
 * asked) one text column for continued pre-training.
 */
import type { SftFormat } from '../../../schemas/config.ts';
import type { SftDetection } from '../../../schemas/dataset.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import type { ColumnStats } from './profile.ts';

interface Pair {
  prompt: string;
  completion: string;
  input?: string;
  /** Names common in classification data too: detected only when the answers do not look like labels. */
  generic?: boolean;
}

const PAIRS: Pair[] = [
  { prompt: 'prompt', completion: 'completion' },
  { prompt: 'instruction', completion: 'output', input: 'input' },
  { prompt: 'question', completion: 'answer', generic: true },
];
const MESSAGE_NAMES = ['messages', 'conversations'];
const TEXT_NAMES = ['text', 'content', 'document', 'body'];

/** The columns each format reads, as a user would be told to name them. */
const NEEDED: Record<SftFormat, string> = {
  prompt_completion: 'a prompt and a completion column (named prompt and completion, instruction and output with an optional input, or question and answer)',
  chat: 'a column named "messages" or "conversations" holding each conversation as a list of {role, content}',
  text: 'a column of text',
};

/**
 * The SFT shape of the table: the one `format` asks for (throws SFT_COLUMN_MISSING when its columns are not
 * there), or without `format` a chat or prompt/completion shape found by name; null when there is none.
 * `chooseText` picks the text column for format text when no column is named like one.
 */
export function detectSft(columns: ColumnStats[], format: SftFormat | undefined, chooseText: (columns: ColumnStats[]) => ColumnStats | null): SftDetection | null {
  const named = (name: string) => columns.find((column) => column.profile.name.trim().toLowerCase() === name) ?? null;
  if (format === undefined) {
    const messages = MESSAGE_NAMES.map(named).find((column) => column !== null && holdsLists(column));
    if (messages) return shape('chat', { messagesColumn: messages.profile.name });
    const pair = PAIRS.find((candidate) => named(candidate.prompt) && named(candidate.completion) && !(candidate.generic && looksLikeLabels(named(candidate.completion)!)));
    return pair ? pairShape(pair, named) : null;
  }
  if (format === 'chat') {
    const messages = MESSAGE_NAMES.map(named).find((column) => column !== null);
    if (!messages) throw missing(format, columns, 'The file has no messages column');
    return shape('chat', { messagesColumn: messages.profile.name });
  }
  if (format === 'prompt_completion') {
    const pair = PAIRS.find((candidate) => named(candidate.prompt) && named(candidate.completion));
    if (pair) return pairShape(pair, named);
    const half = PAIRS.find((candidate) => named(candidate.prompt) || named(candidate.completion));
    if (half) {
      const [found, absent] = named(half.prompt) ? [named(half.prompt)!.profile.name, half.completion] : [named(half.completion)!.profile.name, half.prompt];
      throw missing(format, columns, `The file has a column "${found}" but no "${absent}" column to go with it`);
    }
    throw missing(format, columns, 'The file has no prompt and completion columns');
  }
  const text = TEXT_NAMES.map(named).find((column) => column !== null && isText(column)) ?? chooseText(columns);
  if (!text) throw missing(format, columns, 'The file has no column of text');
  return shape('text', { textColumn: text.profile.name });
}

function pairShape(pair: Pair, named: (name: string) => ColumnStats | null): SftDetection {
  const input = pair.input ? named(pair.input) : null;
  return shape('prompt_completion', { promptColumn: named(pair.prompt)!.profile.name, completionColumn: named(pair.completion)!.profile.name, inputColumn: input?.profile.name ?? null });
}

function shape(format: SftFormat, columns: Partial<SftDetection>): SftDetection {
  return { format, promptColumn: null, inputColumn: null, completionColumn: null, messagesColumn: null, textColumn: null, chatRoles: null, ...columns };
}

function missing(format: SftFormat, columns: ColumnStats[], what: string): AirlockError {
  const names = columns.map((column) => `"${column.profile.name}"`).join(', ');
  return new AirlockError('SFT_COLUMN_MISSING', `${what}: format ${format} needs ${NEEDED[format]}. Columns found: ${names}.`, {
    hint: 'Rename the columns in the file, or pick the format that fits it with --format prompt_completion, chat or text.',
    field: 'format',
  });
}

/** A column of lists (JSON or Parquet), or of text that opens like a JSON list: a few malformed cells among them
 * still make it a chat column, so import names their rows instead of looking for labels. */
function holdsLists(column: ColumnStats): boolean {
  if (column.profile.type === 'list') return true;
  return column.profile.samples.some((sample) => sample.trimStart().startsWith('['));
}

function isText(column: ColumnStats): boolean {
  return (column.profile.type === 'text' || column.profile.type === 'category') && column.nonMissing > 0;
}

/** A small set of repeated values (yes/no, a category): the column is a label, not an answer to learn to write. */
function looksLikeLabels(column: ColumnStats): boolean {
  const counts = column.valueCounts;
  if (!counts || column.nonMissing === 0) return false;
  return counts.size <= 20 && counts.size / column.nonMissing < 0.5;
}
