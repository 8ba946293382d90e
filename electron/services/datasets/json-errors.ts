/** The errors of a JSON dataset, worded for the layout the file turned out to have. */
import { AirlockError } from '../../../schemas/errors.ts';
import { MAX_FIELD_CHARS } from './limits.ts';

/** Where the reader stood: its line, the record it was reading (1-based) and the line that record began on. */
export interface Position {
  line: number;
  item: number;
  recordLine: number;
  /** Records read completely so far. */
  records: number;
}

/** One constructor per kind of failure. */
export interface LayoutErrors {
  invalid(at: Position, reason: string): AirlockError;
  notObject(at: Position, found: string, isArray: boolean): AirlockError;
  tooLarge(at: Position): AirlockError;
  tooDeep(at: Position, reason: string): AirlockError;
}

const EXAMPLE = '{"text": "…", "label": "…"}';
const FIELD_LIMIT = `a value may be at most ${MAX_FIELD_CHARS / 1024 / 1024} MiB`;
const TOO_LARGE_HINT = 'Check that the file is really a table of text examples; split or shorten very long texts before importing.';
const TOO_DEEP_HINT = 'A dataset cell holds text, a number or a list of labels: flatten deeply nested values, or store them as text, before importing.';

/** Errors of a JSON Lines file: each names its line. */
export function lineErrors(): LayoutErrors {
  return {
    invalid: (at, reason) =>
      new AirlockError('DATASET_JSONL_INVALID_LINE', `Line ${at.line} is not valid JSON (${reason}).`, {
        hint: `Fix or remove line ${at.line}. A JSON Lines file holds one complete JSON object per line, like ${EXAMPLE}.`,
        field: `line ${at.line}`,
      }),
    notObject: (at, found, isArray) =>
      new AirlockError('DATASET_JSONL_INVALID_LINE', `Line ${at.line} is not a JSON object (it holds ${isArray ? 'an array' : found}).`, {
        hint:
          isArray && at.records === 0
            ? 'The file holds a JSON array: save it as JSON Lines, one object per line, or name it .json to import the array’s objects as rows.'
            : `Each line must be an object like ${EXAMPLE}; fix or remove line ${at.line}.`,
        field: `line ${at.line}`,
      }),
    tooLarge: (at) =>
      new AirlockError('DATASET_FIELD_TOO_LARGE', `Line ${at.line} is larger than Airlock accepts (${FIELD_LIMIT}).`, { hint: TOO_LARGE_HINT, field: `line ${at.line}` }),
    tooDeep: (at, reason) =>
      new AirlockError('DATASET_VALUE_TOO_DEEP', `Line ${at.recordLine} holds a value ${reason}.`, { hint: TOO_DEEP_HINT, field: `line ${at.recordLine}` }),
  };
}

/**
 * Errors of a `.json` file read as JSON Lines: until one record has been read, the file may be
 * anything (a pretty-printed object, a bare value), so it is called neither of the two layouts.
 */
export function neitherLayout(fileName: string, lines: LayoutErrors): LayoutErrors {
  const neither = (at: Position, what: string) =>
    new AirlockError('DATASET_JSON_INVALID', `${fileName} is neither JSON Lines nor one JSON array of objects (line ${at.line} ${what}).`, {
      hint: `Save it as one JSON array of objects, like [${EXAMPLE}, …], or as JSON Lines, one object per line.`,
      field: `line ${at.line}`,
    });
  return {
    ...lines,
    invalid: (at, reason) => (at.records === 0 ? neither(at, `is not a complete JSON object: ${reason}`) : lines.invalid(at, reason)),
    notObject: (at, found, isArray) => (at.records === 0 ? neither(at, `holds ${found}, not an object`) : lines.notObject(at, found, isArray)),
  };
}

/** Errors of a `.json` file holding one array: each names the item and its line. */
export function arrayErrors(fileName: string): LayoutErrors {
  const item = (at: Position) => `Item ${at.item} of the array in ${fileName} (line ${at.recordLine})`;
  return {
    invalid: (at, reason) =>
      new AirlockError('DATASET_JSON_INVALID', `${fileName} is not valid JSON at line ${at.line} (${reason}).`, {
        hint: `Fix the file near line ${at.line}: it should hold one JSON array of objects, like [${EXAMPLE}, …].`,
        field: `line ${at.line}`,
      }),
    notObject: (at, found) =>
      new AirlockError('DATASET_JSON_INVALID', `${item(at)} is not an object (it holds ${found}).`, {
        hint: `A .json dataset holds one array of objects, one object per row, like [${EXAMPLE}, …].`,
        field: `line ${at.line}`,
      }),
    tooLarge: (at) => new AirlockError('DATASET_FIELD_TOO_LARGE', `${item(at)} is larger than Airlock accepts (${FIELD_LIMIT}).`, { hint: TOO_LARGE_HINT, field: `line ${at.recordLine}` }),
    tooDeep: (at, reason) => new AirlockError('DATASET_VALUE_TOO_DEEP', `${item(at)} holds a value ${reason}.`, { hint: TOO_DEEP_HINT, field: `line ${at.recordLine}` }),
  };
}
